//! The checks of the Internet access server's HTTP front, sans-IO.
//!
//! [`Gateway::check`] takes one `POST /v1/call-instructions` request (its
//! headers, raw body and the time it arrived, in Unix seconds) and returns a
//! [`Decision`]: accepted, with the [`OsnMessage::CallInstruction`] to hand
//! to the network, or refused, with the HTTP status and a [`Refusal`] naming
//! what was wrong. Every request, accepted or refused, leaves one
//! [`AuditEntry`] in the [`Store`] ([`AUDIT_TREE`]).
//!
//! Checks, in order (the first that fails decides):
//!
//! | # | check | status | `error` |
//! |---|---|---|---|
//! | 1 | body at most `max_body` octets | 413 | `body_too_large` |
//! | 2 | body is the Fig. 8 JSON | 400 | `malformed` |
//! | 3 | the three `X-Ainsim-*` headers are present and the timestamp is a number | 400 | `missing_header` |
//! | 4 | timestamp within ±`max_skew_s` of now | 401 | `stale_timestamp` |
//! | 5 | the business is a subscriber | 401 | `unknown_business` |
//! | 6 | the HMAC-SHA256 signature matches | 401 | `bad_signature` |
//! | 7 | the nonce was not seen in the skew window | 409 | `replayed_nonce` |
//! | 8 | the business is within its rate | 429 | `rate_limited` |
//! | 9 | the password matches its argon2 hash | 401 | `wrong_password` |
//! | 10 | both numbers are E.164, premium-rate and international only if allowed | 422 | `bad_number`, `premium_rate`, `international` |
//!
//! Signed follow-ups (reads, cancel, next representative) go through
//! [`Gateway::check_follow_up`] / [`Gateway::check_next_representative`]:
//! checks 3–7 with the business from `X-Ainsim-Business`, and the number
//! policy for a next representative; audited the same way.
//!
//! Nonces are kept in the store ([`NONCE_TREE`]) for twice the skew window,
//! so replays are refused across a restart; the rate windows are in memory.
//! Nothing here reads a clock, a socket or randomness: time is an input,
//! request ids come from a counter kept in the store. What it is not: the
//! network-side checks (the `AccessServer` element does its own, again), or
//! the HTTP plumbing (`server`).

use std::collections::{BTreeMap, VecDeque};

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use ainsim_business::{AcdConfig, EquipmentCallRequest, Representative};
use ainsim_elements::osn::OsnMessage;
use ainsim_store::{Store, StoreExt};

/// Store tree of subscribing businesses: key = business id, value = [`GatewayBusiness`].
pub const BUSINESS_TREE: &str = "gateway_businesses";
/// Store tree of the audit log: key = 20-digit sequence number, value = [`AuditEntry`].
pub const AUDIT_TREE: &str = "gateway_audit";
/// Store tree of nonces seen: key = `business\nnonce`, value = Unix seconds when seen.
pub const NONCE_TREE: &str = "gateway_nonces";
/// Stale nonces are dropped from the store every this many checks.
const PRUNE_EVERY: u32 = 1024;
/// Store tree of the gateway's counters (`next_request`, `next_audit`).
pub const META_TREE: &str = "gateway_meta";

/// Header carrying the request's Unix time in seconds.
pub const H_TIMESTAMP: &str = "x-ainsim-timestamp";
/// Header carrying a one-time nonce (1–64 printable ASCII characters).
pub const H_NONCE: &str = "x-ainsim-nonce";
/// Header carrying the lowercase hex HMAC-SHA256 signature.
pub const H_SIGNATURE: &str = "x-ainsim-signature";
/// Header naming the business on a signed read (`GET /v1/calls/{id}`).
pub const H_BUSINESS: &str = "x-ainsim-business";

/// A business as the HTTP front knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayBusiness {
    pub id: String,
    /// argon2 PHC string of its password (`ainsim_elements::access::hash_password`).
    pub password_hash: String,
    /// The shared HMAC-SHA256 key its requests are signed with (hex).
    pub signing_key_hex: String,
    /// Requests per `rate_window_s` (refused ones past the signature count too).
    #[serde(default = "default_rate")]
    pub rate_limit: u32,
    #[serde(default = "default_window")]
    pub rate_window_s: u64,
    /// Premium-rate destinations (NANP 900 area code, 976 exchange) allowed.
    #[serde(default)]
    pub allow_premium: bool,
    /// Numbers outside country code 1 allowed.
    #[serde(default)]
    pub allow_international: bool,
}

fn default_rate() -> u32 {
    10
}
fn default_window() -> u64 {
    60
}

/// The Fig. 8 call initiation message, as JSON over HTTP.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallInstructionRequest {
    /// The calling equipment's address (recorded, not checked).
    #[serde(default)]
    pub equipment: String,
    pub business: String,
    pub password: String,
    /// E.164: `+12015550100`, or NANP `2015550100` / `12015550100`.
    pub customer: String,
    pub representative: String,
    /// Desired contact time, Unix seconds; absent = at once.
    #[serde(default)]
    pub contact_at: Option<u64>,
}

/// The body of `PUT /v1/direct`: the business lets the network take call
/// requests straight from its web pages (Fig. 9) and run the ACD itself
/// over these representatives. The password is the business's (checked
/// against its hash); the network keeps it in memory only, to sign the
/// call instructions it makes for the business.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectSetup {
    pub password: String,
    pub representatives: Vec<Representative>,
    #[serde(default)]
    pub acd: AcdConfig,
    /// Where the network posts a screen pop when its ACD picks a
    /// representative (an `http://` or `https://` URL on the business's web
    /// server, at most [`MAX_POP_URL`] octets), signed with the business's
    /// key like its own requests; none = no pops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_pop_url: Option<String>,
}

/// The longest [`DirectSetup::screen_pop_url`].
pub const MAX_POP_URL: usize = 512;

/// Checks a screen-pop URL: `http://` or `https://`, a host, no spaces or
/// control characters, at most [`MAX_POP_URL`] octets.
///
/// # Errors
/// What is wrong with it, in words.
pub fn check_pop_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_POP_URL {
        return Err(format!("is {} octets, over {MAX_POP_URL}", url.len()));
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("{url:?} is not an http:// or https:// URL"))?;
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("{url:?} has spaces or characters outside printable ASCII"));
    }
    if rest.split(['/', '?', '#']).next().is_none_or(str::is_empty) {
        return Err(format!("{url:?} has no host"));
    }
    Ok(())
}

/// The body of `POST /v1/calls/{id}/next-representative`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextRepresentativeRequest {
    pub representative: String,
}

/// One request as the HTTP layer saw it.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub body: &'a [u8],
    /// Unix seconds when it arrived.
    pub now: u64,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "error")]
pub enum Refusal {
    #[error("body of {len} octets is over the {limit}-octet limit")]
    BodyTooLarge { len: usize, limit: usize },
    #[error("malformed call instruction: {why}")]
    Malformed { why: String },
    #[error("header {header} is missing or not valid")]
    MissingHeader { header: &'static str },
    #[error("timestamp {timestamp} is more than {max_skew_s} s away from now ({now})")]
    StaleTimestamp { timestamp: u64, now: u64, max_skew_s: u64 },
    #[error("business {business:?} is not a subscriber")]
    UnknownBusiness { business: String },
    #[error("the request signature does not match")]
    BadSignature,
    #[error("nonce {nonce:?} was already used")]
    ReplayedNonce { nonce: String },
    #[error("business {business:?} is over its rate of {limit} requests per {per_s} s")]
    RateLimited { business: String, limit: u32, per_s: u64 },
    #[error("wrong password for business {business:?}")]
    WrongPassword { business: String },
    #[error("{field} number {number:?} is not valid E.164: {why}")]
    BadNumber { field: &'static str, number: String, why: String },
    #[error("{field} number {number:?} is premium-rate, which business {business:?} may not call")]
    PremiumRate { field: &'static str, number: String, business: String },
    #[error("{field} number {number:?} is international, which business {business:?} may not call")]
    International { field: &'static str, number: String, business: String },
    #[error("business {business:?} does not take call requests straight from web pages (Fig. 9)")]
    DirectNotEnabled { business: String },
    #[error("store: {0}")]
    Store(String),
}

impl Refusal {
    /// The HTTP status for this refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BodyTooLarge { .. } => 413,
            Refusal::Malformed { .. } | Refusal::MissingHeader { .. } => 400,
            Refusal::StaleTimestamp { .. }
            | Refusal::UnknownBusiness { .. }
            | Refusal::BadSignature
            | Refusal::WrongPassword { .. } => 401,
            Refusal::ReplayedNonce { .. } => 409,
            Refusal::DirectNotEnabled { .. } => 403,
            Refusal::RateLimited { .. } => 429,
            Refusal::BadNumber { .. } | Refusal::PremiumRate { .. } | Refusal::International { .. } => 422,
            Refusal::Store(_) => 500,
        }
    }

    /// The short name of the refusal (`bad_signature`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::BodyTooLarge { .. } => "body_too_large",
            Refusal::Malformed { .. } => "malformed",
            Refusal::MissingHeader { .. } => "missing_header",
            Refusal::StaleTimestamp { .. } => "stale_timestamp",
            Refusal::UnknownBusiness { .. } => "unknown_business",
            Refusal::BadSignature => "bad_signature",
            Refusal::ReplayedNonce { .. } => "replayed_nonce",
            Refusal::RateLimited { .. } => "rate_limited",
            Refusal::WrongPassword { .. } => "wrong_password",
            Refusal::BadNumber { .. } => "bad_number",
            Refusal::PremiumRate { .. } => "premium_rate",
            Refusal::International { .. } => "international",
            Refusal::DirectNotEnabled { .. } => "direct_not_enabled",
            Refusal::Store(_) => "store",
        }
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Hand `instruction` (an [`OsnMessage::CallInstruction`]) to the network.
    Accepted {
        request_id: u64,
        business: String,
        instruction: OsnMessage,
    },
    Refused(Refusal),
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    /// Unix seconds.
    pub at: u64,
    pub method: String,
    pub path: String,
    pub business: Option<String>,
    pub request_id: Option<u64>,
    pub status: u16,
    /// `accepted`, or the refusal's kind.
    pub outcome: String,
    pub reason: String,
}

/// Limits of the front.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GatewayConfig {
    /// Largest body accepted, octets.
    pub max_body: usize,
    /// Largest distance between the request's timestamp and now, seconds.
    pub max_skew_s: u64,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig { max_body: 8 * 1024, max_skew_s: 300 }
    }
}

/// The string a request's signature is computed over:
/// `METHOD\nPATH\nTIMESTAMP\nNONCE\nhex(sha256(body))`.
pub fn string_to_sign(method: &str, path: &str, timestamp: &str, nonce: &str, body: &[u8]) -> String {
    format!("{method}\n{path}\n{timestamp}\n{nonce}\n{}", hex::encode(Sha256::digest(body)))
}

/// The lowercase hex HMAC-SHA256 of [`string_to_sign`] under `key` (what a client sends).
pub fn sign(key: &[u8], method: &str, path: &str, timestamp: &str, nonce: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(string_to_sign(method, path, timestamp, nonce, body).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn verify(key: &[u8], req: &HttpRequest<'_>, timestamp: &str, nonce: &str, signature: &str) -> bool {
    let Ok(given) = hex::decode(signature) else { return false };
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else { return false };
    mac.update(string_to_sign(req.method, req.path, timestamp, nonce, req.body).as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// The policy class of a valid number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    /// What goes to the network: 10 digits for NANP, else the E.164 digits with the country code.
    pub network: String,
    pub premium: bool,
    pub international: bool,
}

/// Validates `number` as E.164 (`+` and 8–15 digits) or a NANP national
/// number (10 digits, or 11 starting with 1).
///
/// # Errors
/// What is wrong with it, in words.
pub fn classify(number: &str) -> Result<Number, String> {
    let (plus, digits) = match number.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    if let Some((i, c)) = digits.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(format!("{c:?} at position {} is not a digit", i + usize::from(plus)));
    }
    let nanp = match (plus, digits.len()) {
        (true, 8..=15) if digits.starts_with('1') => {
            if digits.len() != 11 {
                return Err("a +1 number has 10 digits after the country code".into());
            }
            Some(&digits[1..])
        }
        (true, 8..=15) => None,
        (true, n) => return Err(format!("{n} digits after '+' (E.164 allows 8 to 15)")),
        (false, 10) => Some(digits),
        (false, 11) if digits.starts_with('1') => Some(&digits[1..]),
        (false, n) => return Err(format!("{n} digits without '+' (10 or 1+10 for NANP; else use +country)")),
    };
    match nanp {
        Some(n) => {
            if n.starts_with('0') || n.starts_with('1') || n[3..].starts_with('0') || n[3..].starts_with('1')
            {
                return Err("NANP area code and exchange start with 2-9".into());
            }
            let premium = n.starts_with("900") || n[3..].starts_with("976");
            Ok(Number { network: n.to_string(), premium, international: false })
        }
        None => {
            if digits.starts_with('0') {
                return Err("a country code does not start with 0".into());
            }
            Ok(Number { network: digits.to_string(), premium: false, international: true })
        }
    }
}

/// `number` (the `field` of a request by `biz`) as the network takes it, or why not.
fn number_policy(biz: &GatewayBusiness, field: &'static str, number: &str) -> Result<String, Refusal> {
    let n = classify(number).map_err(|why| Refusal::BadNumber { field, number: number.into(), why })?;
    if n.premium && !biz.allow_premium {
        return Err(Refusal::PremiumRate { field, number: number.into(), business: biz.id.clone() });
    }
    if n.international && !biz.allow_international {
        return Err(Refusal::International { field, number: number.into(), business: biz.id.clone() });
    }
    Ok(n.network)
}

/// The sans-IO HTTP front (see the module docs).
pub struct Gateway {
    cfg: GatewayConfig,
    store: Box<dyn Store + Send>,
    /// Per business: arrival times (Unix s) of recent counted requests.
    recent: BTreeMap<String, VecDeque<u64>>,
    /// Nonce checks since the stale nonces were last dropped from the store.
    checks_since_prune: u32,
    /// Per business, a digest of the last password that passed argon2 (in
    /// memory only): the same password again skips the slow hash.
    verified: BTreeMap<String, [u8; 32]>,
    /// Set by [`Gateway::defer_flushes`]: audit entries are written but
    /// not flushed; whoever answers the request flushes first.
    deferred: bool,
}

impl Gateway {
    /// A front over `store` (businesses in [`BUSINESS_TREE`], audit in [`AUDIT_TREE`]).
    pub fn new(cfg: GatewayConfig, store: Box<dyn Store + Send>) -> Self {
        Gateway {
            cfg,
            store,
            recent: BTreeMap::new(),
            checks_since_prune: 0,
            verified: BTreeMap::new(),
            deferred: false,
        }
    }

    /// Registers (or replaces) a business.
    ///
    /// # Errors
    /// The store's.
    pub fn register(&mut self, business: &GatewayBusiness) -> Result<(), ainsim_store::StoreError> {
        self.verified.remove(&business.id);
        self.store.put(BUSINESS_TREE, &business.id, business)?;
        self.store.flush()
    }

    /// From now on the checks write their audit entries without flushing
    /// them, and the returned handle flushes: the caller must run it after
    /// each check, before it answers the request, so no answered request
    /// has an audit entry that a crash could lose. Run outside the lock the
    /// gateway is kept under, the flushes of concurrent requests share disk
    /// syncs. `None` (and nothing deferred) when the store's flush is a
    /// no-op.
    pub fn defer_flushes(&mut self) -> Option<ainsim_store::Syncer> {
        let syncer = self.store.syncer();
        self.deferred = syncer.is_some();
        syncer
    }

    /// The audit log, oldest first.
    ///
    /// # Errors
    /// The store's.
    pub fn audit(&self) -> Result<Vec<AuditEntry>, ainsim_store::StoreError> {
        Ok(self.store.scan_prefix(AUDIT_TREE, "")?.into_iter().map(|(_, e)| e).collect())
    }

    /// The business `id`, if registered.
    pub fn business(&self, id: &str) -> Option<GatewayBusiness> {
        self.store.get(BUSINESS_TREE, id).ok().flatten()
    }

    /// Checks one request and audits the decision.
    pub fn check(&mut self, req: &HttpRequest<'_>) -> Decision {
        let (business, decision) = match self.decide(req) {
            Ok((request_id, business, instruction)) => {
                (Some(business.clone()), Decision::Accepted { request_id, business, instruction })
            }
            Err((business, refusal)) => (business, Decision::Refused(refusal)),
        };
        let (status, outcome, reason, request_id) = match &decision {
            Decision::Accepted { request_id, .. } => {
                (202, "accepted".to_string(), String::new(), Some(*request_id))
            }
            Decision::Refused(r) => (r.status(), r.kind().to_string(), r.to_string(), None),
        };
        let entry = AuditEntry {
            seq: 0,
            at: req.now,
            method: req.method.into(),
            path: req.path.into(),
            business,
            request_id,
            status,
            outcome,
            reason,
        };
        if let Err(e) = self.write_audit(entry) {
            return Decision::Refused(Refusal::Store(e.to_string()));
        }
        decision
    }

    /// Checks a request's headers, timestamp, business, signature and
    /// nonce (recording the nonce), and returns the business.
    fn authenticate(&mut self, req: &HttpRequest<'_>, business: &str) -> Result<GatewayBusiness, Refusal> {
        let timestamp = req.timestamp.ok_or(Refusal::MissingHeader { header: H_TIMESTAMP })?;
        let nonce = req
            .nonce
            .filter(|n| (1..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or(Refusal::MissingHeader { header: H_NONCE })?;
        let signature = req.signature.ok_or(Refusal::MissingHeader { header: H_SIGNATURE })?;
        let ts: u64 = timestamp.parse().map_err(|_| Refusal::MissingHeader { header: H_TIMESTAMP })?;
        if ts.abs_diff(req.now) > self.cfg.max_skew_s {
            return Err(Refusal::StaleTimestamp {
                timestamp: ts,
                now: req.now,
                max_skew_s: self.cfg.max_skew_s,
            });
        }
        let biz: GatewayBusiness = self
            .store
            .get(BUSINESS_TREE, business)
            .map_err(|e| Refusal::Store(e.to_string()))?
            .ok_or_else(|| Refusal::UnknownBusiness { business: business.into() })?;
        let key = hex::decode(&biz.signing_key_hex).map_err(|_| Refusal::BadSignature)?;
        if !verify(&key, req, timestamp, nonce, signature) {
            return Err(Refusal::BadSignature);
        }
        // A nonce is remembered (in the store, so across restarts) for twice
        // the skew window: any request old enough to reuse it is stale anyway.
        let horizon = req.now.saturating_sub(2 * self.cfg.max_skew_s);
        let nonce_key = format!("{}\n{nonce}", biz.id);
        let seen: Option<u64> =
            self.store.get(NONCE_TREE, &nonce_key).map_err(|e| Refusal::Store(e.to_string()))?;
        if seen.is_some_and(|t| t >= horizon) {
            return Err(Refusal::ReplayedNonce { nonce: nonce.into() });
        }
        self.store.put(NONCE_TREE, &nonce_key, &req.now).map_err(|e| Refusal::Store(e.to_string()))?;
        self.checks_since_prune += 1;
        if self.checks_since_prune >= PRUNE_EVERY {
            self.checks_since_prune = 0;
            self.prune_nonces(horizon);
        }
        Ok(biz)
    }

    /// Checks a signed read (`GET /v1/calls/{id}`) by `business` (the
    /// `X-Ainsim-Business` header; the body is empty): headers, timestamp,
    /// signature and nonce as for an instruction, no rate or password.
    /// Audited like an instruction (`outcome` `read` when it passes).
    pub fn check_read(&mut self, req: &HttpRequest<'_>, business: Option<&str>) -> Result<String, Refusal> {
        self.check_follow_up(req, business, None).map(|(b, _)| b)
    }

    /// Checks a signed follow-up by `business` (the `X-Ainsim-Business`
    /// header): a read, a cancel, or (with `representative`, from the body)
    /// a next representative, whose number passes the number policy (422
    /// otherwise). Returns the business and the representative's network
    /// number. Audited (`outcome` `read` for a GET, else `accepted`).
    ///
    /// # Errors
    /// The [`Refusal`], as for an instruction.
    pub fn check_follow_up(
        &mut self,
        req: &HttpRequest<'_>,
        business: Option<&str>,
        representative: Option<&str>,
    ) -> Result<(String, Option<String>), Refusal> {
        let result = match business {
            None => Err(Refusal::MissingHeader { header: H_BUSINESS }),
            Some(b) => self.authenticate(req, b).and_then(|biz| {
                let number = representative.map(|n| number_policy(&biz, "representative", n)).transpose()?;
                Ok((biz.id, number))
            }),
        };
        let (status, outcome, reason) = match &result {
            Ok(_) if req.method == "GET" => (200, "read".to_string(), String::new()),
            Ok(_) => (202, "accepted".to_string(), String::new()),
            Err(r) => (r.status(), r.kind().to_string(), r.to_string()),
        };
        self.audit_entry(req, business.map(str::to_string), status, outcome, reason)?;
        result
    }

    /// Checks a signed `POST /v1/calls/{id}/next-representative` by
    /// `business`: the body is `{"representative":"…"}` (400 otherwise,
    /// audited), then as [`Gateway::check_follow_up`]. Returns the business
    /// and the representative's network number.
    ///
    /// # Errors
    /// The [`Refusal`].
    pub fn check_next_representative(
        &mut self,
        req: &HttpRequest<'_>,
        business: Option<&str>,
    ) -> Result<(String, String), Refusal> {
        match serde_json::from_slice::<NextRepresentativeRequest>(req.body) {
            Ok(b) => self
                .check_follow_up(req, business, Some(&b.representative))
                .map(|(b, n)| (b, n.unwrap_or_default())),
            Err(e) => {
                let r = Refusal::Malformed { why: e.to_string() };
                self.audit_entry(
                    req,
                    business.map(str::to_string),
                    r.status(),
                    r.kind().into(),
                    r.to_string(),
                )?;
                Err(r)
            }
        }
    }

    /// A fresh request id (shared with the instructions' ids).
    ///
    /// # Errors
    /// The store's.
    pub fn next_request_id(&mut self) -> Result<u64, ainsim_store::StoreError> {
        self.next("next_request")
    }

    /// Checks a signed `PUT /v1/direct` by `business`: the body is
    /// [`DirectSetup`] (400 otherwise), the password must match (401), every
    /// representative's numbers must pass the number policy (422). Audited.
    ///
    /// # Errors
    /// The [`Refusal`].
    pub fn check_direct_setup(
        &mut self,
        req: &HttpRequest<'_>,
        business: Option<&str>,
    ) -> Result<(String, DirectSetup), Refusal> {
        let result = self.direct_setup(req, business);
        let (status, outcome, reason) = match &result {
            Ok(_) => (200, "accepted".to_string(), String::new()),
            Err(r) => (r.status(), r.kind().to_string(), r.to_string()),
        };
        self.audit_entry(req, business.map(str::to_string), status, outcome, reason)?;
        result
    }

    fn direct_setup(
        &mut self,
        req: &HttpRequest<'_>,
        business: Option<&str>,
    ) -> Result<(String, DirectSetup), Refusal> {
        let business = business.ok_or(Refusal::MissingHeader { header: H_BUSINESS })?;
        if req.body.len() > self.cfg.max_body {
            return Err(Refusal::BodyTooLarge { len: req.body.len(), limit: self.cfg.max_body });
        }
        let biz = self.authenticate(req, business)?;
        let setup: DirectSetup =
            serde_json::from_slice(req.body).map_err(|e| Refusal::Malformed { why: e.to_string() })?;
        if !self.password_ok(&biz, &setup.password) {
            return Err(Refusal::WrongPassword { business: biz.id.clone() });
        }
        for rep in &setup.representatives {
            rep.validate().map_err(|e| Refusal::Malformed { why: format!("representatives: {e}") })?;
            for c in [&rep.office, &rep.home].into_iter().flatten() {
                number_policy(&biz, "representative", &c.address())?;
            }
        }
        if let Some(url) = &setup.screen_pop_url {
            check_pop_url(url).map_err(|e| Refusal::Malformed { why: format!("screen_pop_url: {e}") })?;
        }
        Ok((biz.id, setup))
    }

    /// Checks an unsigned Fig. 9 call request (`POST /v1/call-requests`,
    /// straight from a shopper's browser): body size (413), JSON (400), the
    /// business known (401) and taking such requests (`direct`, 403), its
    /// rate (429), the customer's number (422). Audited. Returns the
    /// request with the customer's number in network form.
    ///
    /// # Errors
    /// The [`Refusal`].
    pub fn check_direct_request(
        &mut self,
        req: &HttpRequest<'_>,
        direct: impl Fn(&str) -> bool,
    ) -> Result<EquipmentCallRequest, Refusal> {
        let mut named = None;
        let result = self.direct_request(req, &direct, &mut named);
        let (status, outcome, reason) = match &result {
            Ok(_) => (202, "accepted".to_string(), String::new()),
            Err(r) => (r.status(), r.kind().to_string(), r.to_string()),
        };
        self.audit_entry(req, named, status, outcome, reason)?;
        result
    }

    fn direct_request(
        &mut self,
        req: &HttpRequest<'_>,
        direct: &impl Fn(&str) -> bool,
        named: &mut Option<String>,
    ) -> Result<EquipmentCallRequest, Refusal> {
        if req.body.len() > self.cfg.max_body {
            return Err(Refusal::BodyTooLarge { len: req.body.len(), limit: self.cfg.max_body });
        }
        let mut body: EquipmentCallRequest =
            serde_json::from_slice(req.body).map_err(|e| Refusal::Malformed { why: e.to_string() })?;
        *named = Some(body.business.clone());
        body.validate().map_err(|e| Refusal::Malformed { why: e.to_string() })?;
        let biz: GatewayBusiness = self
            .store
            .get(BUSINESS_TREE, &body.business)
            .map_err(|e| Refusal::Store(e.to_string()))?
            .ok_or_else(|| Refusal::UnknownBusiness { business: body.business.clone() })?;
        if !direct(&biz.id) {
            return Err(Refusal::DirectNotEnabled { business: biz.id });
        }
        self.count_rate(&biz, req.now)?;
        body.customer_number = number_policy(&biz, "customer", &body.customer_number)?;
        Ok(body)
    }

    /// `password` is `biz`'s: argon2 the first time, a digest compare after.
    fn password_ok(&mut self, biz: &GatewayBusiness, password: &str) -> bool {
        let mut h = Sha256::new();
        h.update(biz.password_hash.as_bytes());
        h.update([0]);
        h.update(password.as_bytes());
        let digest: [u8; 32] = h.finalize().into();
        if self
            .verified
            .get(&biz.id)
            .is_some_and(|d| d.iter().zip(&digest).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0)
        {
            return true;
        }
        let ok = PasswordHash::new(&biz.password_hash)
            .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        if ok {
            self.verified.insert(biz.id.clone(), digest);
        }
        ok
    }

    fn count_rate(&mut self, biz: &GatewayBusiness, now: u64) -> Result<(), Refusal> {
        let recent = self.recent.entry(biz.id.clone()).or_default();
        while recent.front().is_some_and(|t| t.saturating_add(biz.rate_window_s) <= now) {
            recent.pop_front();
        }
        if recent.len() >= biz.rate_limit as usize {
            return Err(Refusal::RateLimited {
                business: biz.id.clone(),
                limit: biz.rate_limit,
                per_s: biz.rate_window_s,
            });
        }
        recent.push_back(now);
        Ok(())
    }

    fn audit_entry(
        &mut self,
        req: &HttpRequest<'_>,
        business: Option<String>,
        status: u16,
        outcome: String,
        reason: String,
    ) -> Result<(), Refusal> {
        let entry = AuditEntry {
            seq: 0,
            at: req.now,
            method: req.method.into(),
            path: req.path.into(),
            business,
            request_id: None,
            status,
            outcome,
            reason,
        };
        self.write_audit(entry).map_err(|e| Refusal::Store(e.to_string()))
    }

    fn prune_nonces(&mut self, horizon: u64) {
        let Ok(all) = self.store.scan_prefix::<u64>(NONCE_TREE, "") else { return };
        for (key, seen) in all {
            if seen < horizon {
                let _ = self.store.delete(NONCE_TREE, &key);
            }
        }
    }

    fn next(&mut self, key: &str) -> Result<u64, ainsim_store::StoreError> {
        let n: u64 = self.store.get(META_TREE, key)?.unwrap_or(1);
        self.store.put(META_TREE, key, &(n + 1))?;
        Ok(n)
    }

    /// Audits something the front itself sent out for `business` (a
    /// screen pop: `method` and `url`, the answer's `status` or 0 when none
    /// came, `outcome`, `reason`). Deferred like the checks' entries when
    /// flushes are ([`Gateway::defer_flushes`]).
    ///
    /// # Errors
    /// The store failed.
    #[allow(clippy::too_many_arguments)]
    pub fn audit_outbound(
        &mut self,
        now: u64,
        method: &str,
        url: &str,
        business: &str,
        request_id: Option<u64>,
        status: u16,
        outcome: &str,
        reason: String,
    ) -> Result<(), ainsim_store::StoreError> {
        self.write_audit(AuditEntry {
            seq: 0,
            at: now,
            method: method.into(),
            path: url.into(),
            business: Some(business.into()),
            request_id,
            status,
            outcome: outcome.into(),
            reason,
        })
    }

    fn write_audit(&mut self, mut entry: AuditEntry) -> Result<(), ainsim_store::StoreError> {
        entry.seq = self.next("next_audit")?;
        self.store.put(AUDIT_TREE, &format!("{:020}", entry.seq), &entry)?;
        if self.deferred {
            return Ok(());
        }
        self.store.flush()
    }

    #[allow(clippy::type_complexity)]
    fn decide(
        &mut self,
        req: &HttpRequest<'_>,
    ) -> Result<(u64, String, OsnMessage), (Option<String>, Refusal)> {
        let no = |r| (None, r);
        if req.body.len() > self.cfg.max_body {
            return Err(no(Refusal::BodyTooLarge { len: req.body.len(), limit: self.cfg.max_body }));
        }
        let body: CallInstructionRequest =
            serde_json::from_slice(req.body).map_err(|e| no(Refusal::Malformed { why: e.to_string() }))?;
        let who = Some(body.business.clone());
        let refuse = |r| (who.clone(), r);
        let biz = self.authenticate(req, &body.business).map_err(refuse)?;
        self.count_rate(&biz, req.now).map_err(refuse)?;
        if !self.password_ok(&biz, &body.password) {
            return Err(refuse(Refusal::WrongPassword { business: biz.id.clone() }));
        }
        let customer = number_policy(&biz, "customer", &body.customer).map_err(refuse)?;
        let representative = number_policy(&biz, "representative", &body.representative).map_err(refuse)?;
        let request_id = self.next("next_request").map_err(|e| refuse(Refusal::Store(e.to_string())))?;
        let instruction = OsnMessage::CallInstruction {
            request_id,
            equipment: body.equipment,
            business: biz.id.clone(),
            password: body.password,
            customer,
            representative,
            contact_at: body.contact_at,
        };
        Ok((request_id, biz.id, instruction))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests_support {
    use super::*;

    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    use ainsim_elements::access::hash_password;
    use ainsim_store::MemStore;

    pub(super) const NOW: u64 = 1_800_000_000;
    pub(super) const KEY: &[u8] = b"abc-signing-key";
    pub(super) const PATH: &str = "/v1/call-instructions";

    pub(super) fn abc() -> GatewayBusiness {
        GatewayBusiness {
            id: "ABC".into(),
            password_hash: HASH
                .get_or_init(|| hash_password("cruise-2027", b"abc-salt-0001", 64, 1).unwrap())
                .clone(),
            signing_key_hex: hex::encode(KEY),
            rate_limit: 3,
            rate_window_s: 60,
            allow_premium: false,
            allow_international: false,
        }
    }

    pub(super) fn gateway() -> Gateway {
        let mut g = Gateway::new(GatewayConfig::default(), Box::new(MemStore::new()));
        g.register(&abc()).unwrap();
        g
    }

    pub(super) fn body(customer: &str, password: &str) -> Vec<u8> {
        serde_json::to_vec(&CallInstructionRequest {
            equipment: "198.51.100.20".into(),
            business: "ABC".into(),
            password: password.into(),
            customer: customer.into(),
            representative: "2125550142".into(),
            contact_at: None,
        })
        .unwrap()
    }

    /// Sends `body` signed with `key`, stamped `ts`, nonce `nonce`, arriving at `now`.
    pub(super) fn send(g: &mut Gateway, body: &[u8], key: &[u8], ts: u64, nonce: &str, now: u64) -> Decision {
        let ts = ts.to_string();
        let sig = sign(key, "POST", PATH, &ts, nonce, body);
        g.check(&HttpRequest {
            method: "POST",
            path: PATH,
            timestamp: Some(&ts),
            nonce: Some(nonce),
            signature: Some(&sig),
            body,
            now,
        })
    }

    pub(super) fn refused(d: Decision) -> Refusal {
        match d {
            Decision::Refused(r) => r,
            Decision::Accepted { .. } => panic!("accepted"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::tests_support::*;
    use super::*;

    #[test]
    fn a_screen_pop_url_must_be_a_short_http_url_with_a_host() {
        for ok in ["http://127.0.0.1:8080/api/screen-pops", "https://abc.example/pops?x=1"] {
            assert_eq!(check_pop_url(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("ftp://abc.example/pops", "not an http"),
            ("http:///api/screen-pops", "no host"),
            ("https://", "no host"),
            ("http://abc.example/a pop", "spaces"),
        ] {
            let e = check_pop_url(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        let long = format!("http://abc.example/{}", "p".repeat(MAX_POP_URL));
        assert!(check_pop_url(&long).unwrap_err().contains("over 512"));
    }

    #[test]
    fn an_outbound_pop_is_audited_with_its_outcome() {
        let mut g = gateway();
        g.audit_outbound(
            NOW,
            "POST",
            "http://abc.example/pops",
            "ABC",
            Some(7),
            0,
            "screen_pop_failed",
            "no answer".into(),
        )
        .unwrap();
        let a = g.audit().unwrap();
        assert_eq!(
            (a.len(), a[0].outcome.as_str(), a[0].status, a[0].request_id, a[0].business.as_deref()),
            (1, "screen_pop_failed", 0, Some(7), Some("ABC"))
        );
    }

    #[test]
    fn a_signed_instruction_becomes_an_osn_call_instruction_and_is_audited() {
        let mut g = gateway();
        let d = send(&mut g, &body("+12015550100", "cruise-2027"), KEY, NOW, "n1", NOW);
        let Decision::Accepted { request_id: 1, instruction, .. } = d else { panic!("{d:?}") };
        let OsnMessage::CallInstruction { customer, representative, business, .. } = instruction else {
            panic!()
        };
        assert_eq!(
            (customer.as_str(), representative.as_str(), business.as_str()),
            ("2015550100", "2125550142", "ABC")
        );
        let audit = g.audit().unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(
            (audit[0].status, audit[0].outcome.as_str(), audit[0].request_id),
            (202, "accepted", Some(1))
        );
    }

    #[test]
    fn each_refusal_has_its_status_and_its_audit_entry() {
        let mut g = gateway();
        let good = body("2015550100", "cruise-2027");
        let cases: Vec<(Refusal, u16)> = vec![
            (refused(send(&mut g, &vec![b' '; 9000], KEY, NOW, "a", NOW)), 413),
            (refused(send(&mut g, b"{\"business\":", KEY, NOW, "b", NOW)), 400),
            (refused(send(&mut g, &good, KEY, NOW - 301, "c", NOW)), 401),
            (refused(send(&mut g, &good, b"wrong key", NOW, "d", NOW)), 401),
            (refused(send(&mut g, &body("2015550100", "cruise-2028"), KEY, NOW, "e", NOW)), 401),
            (refused(send(&mut g, &body("9005550100", "cruise-2027"), KEY, NOW, "f", NOW)), 422),
        ];
        let kinds: Vec<&str> = cases.iter().map(|(r, _)| r.kind()).collect();
        assert_eq!(
            kinds,
            [
                "body_too_large",
                "malformed",
                "stale_timestamp",
                "bad_signature",
                "wrong_password",
                "premium_rate"
            ]
        );
        for (r, status) in &cases {
            assert_eq!(r.status(), *status, "{r}");
        }
        let audit = g.audit().unwrap();
        assert_eq!(audit.iter().map(|e| e.outcome.as_str()).collect::<Vec<_>>(), kinds);
        assert_eq!(audit[4].reason, "wrong password for business \"ABC\"");
    }

    #[test]
    fn a_replayed_nonce_is_refused_with_409() {
        let mut g = gateway();
        let b = body("2015550100", "cruise-2027");
        assert!(matches!(send(&mut g, &b, KEY, NOW, "once", NOW), Decision::Accepted { .. }));
        let r = refused(send(&mut g, &b, KEY, NOW, "once", NOW + 1));
        assert_eq!((r.kind(), r.status()), ("replayed_nonce", 409));
    }

    #[test]
    fn the_fourth_request_in_a_minute_is_rate_limited_and_the_window_slides() {
        let mut g = gateway();
        let b = body("2015550100", "cruise-2027");
        for (i, n) in ["1", "2", "3"].iter().enumerate() {
            assert!(matches!(send(&mut g, &b, KEY, NOW, n, NOW + i as u64), Decision::Accepted { .. }));
        }
        let r = refused(send(&mut g, &b, KEY, NOW + 3, "4", NOW + 3));
        assert_eq!((r.kind(), r.status()), ("rate_limited", 429));
        assert!(matches!(send(&mut g, &b, KEY, NOW + 60, "5", NOW + 60), Decision::Accepted { .. }));
    }

    #[test]
    fn missing_headers_and_unknown_businesses_are_refused() {
        let mut g = gateway();
        let b = body("2015550100", "cruise-2027");
        let r = refused(g.check(&HttpRequest {
            method: "POST",
            path: PATH,
            timestamp: None,
            nonce: Some("x"),
            signature: Some("00"),
            body: &b,
            now: NOW,
        }));
        assert_eq!((r.kind(), r.status()), ("missing_header", 400));
        let other = String::from_utf8(b.clone()).unwrap().replace("\"ABC\"", "\"XYZ\"");
        let r = refused(send(&mut g, other.as_bytes(), KEY, NOW, "y", NOW));
        assert_eq!((r.kind(), r.status()), ("unknown_business", 401));
    }

    #[test]
    fn number_policy() {
        let mut g = gateway();
        for (customer, kind) in [
            ("201-555-0100", "bad_number"),
            ("555", "bad_number"),
            ("2129765555", "premium_rate"),
            ("+442071234567", "international"),
        ] {
            let r = refused(send(&mut g, &body(customer, "cruise-2027"), KEY, NOW, customer, NOW));
            assert_eq!((r.kind(), r.status()), (kind, 422), "{customer}");
            g.recent.clear();
        }
        let mut open = abc();
        open.allow_premium = true;
        open.allow_international = true;
        g.register(&open).unwrap();
        for customer in ["9005550100", "+442071234567"] {
            let d = send(&mut g, &body(customer, "cruise-2027"), KEY, NOW, &format!("ok{customer}"), NOW);
            assert!(matches!(d, Decision::Accepted { .. }), "{customer}: {d:?}");
        }
    }

    #[test]
    fn classify_never_panics_on_odd_input() {
        for s in ["", "+", "+1", "ü", "+0123456789", "12345678901234567890", "1", "0000000000"] {
            let _ = classify(s);
        }
        assert_eq!(classify("12015550100").unwrap().network, "2015550100");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod persistence {
    use super::tests_support::*;
    use super::*;
    use ainsim_store::SledStore;

    #[test]
    fn nonces_request_ids_and_the_audit_survive_a_restart_on_sled() {
        let dir = tempfile::tempdir().unwrap();
        let b = body("2015550100", "cruise-2027");
        {
            let mut g =
                Gateway::new(GatewayConfig::default(), Box::new(SledStore::open(dir.path()).unwrap()));
            g.register(&abc()).unwrap();
            assert!(matches!(
                send(&mut g, &b, KEY, NOW, "before", NOW),
                Decision::Accepted { request_id: 1, .. }
            ));
        }
        let mut g = Gateway::new(GatewayConfig::default(), Box::new(SledStore::open(dir.path()).unwrap()));
        let r = refused(send(&mut g, &b, KEY, NOW, "before", NOW + 10));
        assert_eq!(r.kind(), "replayed_nonce");
        assert!(matches!(
            send(&mut g, &b, KEY, NOW, "after", NOW + 10),
            Decision::Accepted { request_id: 2, .. }
        ));
        let outcomes: Vec<String> = g.audit().unwrap().into_iter().map(|e| e.outcome).collect();
        assert_eq!(outcomes, ["accepted", "replayed_nonce", "accepted"]);
    }

    #[test]
    fn a_nonce_may_come_again_once_it_is_long_stale() {
        let mut g = Gateway::new(GatewayConfig::default(), Box::new(ainsim_store::MemStore::new()));
        g.register(&abc()).unwrap();
        let b = body("2015550100", "cruise-2027");
        assert!(matches!(send(&mut g, &b, KEY, NOW, "n", NOW), Decision::Accepted { .. }));
        assert!(matches!(send(&mut g, &b, KEY, NOW + 601, "n", NOW + 601), Decision::Accepted { .. }));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod fuzz {
    use super::tests_support::*;
    use super::*;
    use proptest::prelude::*;

    fn header() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[ -~]{0,80}")
    }

    /// Any body and any headers: a decision, an audit entry, never a panic;
    /// and without the key, never an acceptance. A case costs a few hundred
    /// microseconds unoptimised (a fresh store and audit write), so the cases
    /// are capped at 5,000 whatever `PROPTEST_CASES` says (its macro would
    /// let the variable override an explicit count).
    #[test]
    fn any_request_is_decided_and_audited() {
        let env = ProptestConfig::default();
        let mut runner =
            proptest::test_runner::TestRunner::new(ProptestConfig { cases: env.cases.min(5_000), ..env });
        let body = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            "[ -~]{0,200}".prop_map(String::into_bytes),
            Just(body("2015550100", "cruise-2027")),
        ];
        let input = (body, header(), header(), header(), 0u64..1000);
        let result = runner.run(&input, |(body, ts, nonce, sig, skew)| {
            let mut g = gateway();
            let d = g.check(&HttpRequest {
                method: "POST",
                path: PATH,
                timestamp: ts.as_deref(),
                nonce: nonce.as_deref(),
                signature: sig.as_deref(),
                body: &body,
                now: NOW + skew,
            });
            prop_assert!(matches!(d, Decision::Refused(_)));
            prop_assert_eq!(g.audit().unwrap().len(), 1);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }

    proptest! {
        #[test]
        fn classify_takes_any_string(s in "[+0-9a ü-]{0,20}") {
            let _ = classify(&s);
        }
    }
}
