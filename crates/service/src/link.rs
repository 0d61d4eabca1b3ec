//! The business web server's link to the Internet access server's HTTP(S)
//! front: an [`InstructionSink`] that signs each Fig. 8 call initiation
//! message (HMAC-SHA256 over method, path, timestamp, nonce and body, see
//! docs/api.md) and posts it, then follows the call's statuses over the
//! front's server-sent events and hands them to the business server.
//!
//! - `CallInstruction` → `POST /v1/call-instructions`; the answer (202, or a
//!   refusal of the front or the network) goes to
//!   [`WebState::instruction_result`]; the call's statuses then come on
//!   the business's one `GET /v1/events` stream (opened, signed, before the
//!   first instruction and kept open) and go to [`WebState::call_status`]
//!   until the final one. Statuses that come before the 202 (the stream
//!   and the answer race on two connections) wait for it. Should that
//!   stream not open or break, the link follows each call on its own
//!   `GET /v1/calls/{id}/events` instead (the calls in flight then too,
//!   skipping what they already delivered).
//! - `NextRepresentative` → `POST /v1/calls/{id}/next-representative`.
//! - `Cancel` → `POST /v1/calls/{id}/cancel`.
//!
//! The business numbers its requests itself; the front gives each accepted
//! instruction its own id. The link keeps the map and speaks to each side in
//! its own numbers.
//!
//! [`LinkCounts`] tell a driver when the link has nothing in flight but
//! requests the network still has to answer (`ainsim demo` steps simulated
//! time only then, which keeps a run reproducible).
//!
//! What it is not: a retrying client. A request the front refuses, or that
//! cannot reach it, fails the call with the reason (and is logged).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use ainsim_business::CallId;
use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage, Refusal};
use ainsim_gateway::check::{sign, CallInstructionRequest, H_BUSINESS, H_NONCE, H_SIGNATURE, H_TIMESTAMP};
use ainsim_web::{InstructionSink, WebState};

/// What the link has done so far (each a running total).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounts {
    /// Requests taken from the business server.
    pub started: u64,
    /// Requests whose answer has been handled (whatever it was).
    pub finished: u64,
    /// Call statuses handed to the business server.
    pub statuses: u64,
    /// Requests refused by the front or lost on the way.
    pub refused: u64,
}

impl LinkCounts {
    /// Requests still waiting for their answer.
    pub fn in_flight(&self) -> u64 {
        self.started - self.finished
    }
}

/// One thing the link did, for a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEvent {
    /// The business's call.
    pub call: CallId,
    /// e.g. `POST /v1/call-instructions -> 202 request 1`.
    pub text: String,
}

#[derive(Default)]
struct Counters {
    started: AtomicU64,
    finished: AtomicU64,
    statuses: AtomicU64,
    refused: AtomicU64,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    business: String,
    key: Vec<u8>,
    web: OnceLock<WebState>,
    /// Business request id → the front's request id.
    ids: Mutex<BTreeMap<u64, u64>>,
    nonce_prefix: String,
    nonce: AtomicU64,
    counts: Counters,
    log: Mutex<Vec<LinkEvent>>,
    /// Whether [`Inner::note`] keeps what it is told for [`GatewayLink::take_log`].
    transcript: std::sync::atomic::AtomicBool,
    rt: tokio::runtime::Handle,
    observer: OnceLock<StatusObserver>,
    /// The business's `GET /v1/events` stream and the calls it serves.
    feed: Mutex<Feed>,
    /// Held while the stream is being opened.
    opening: tokio::sync::Mutex<()>,
}

/// The state of the business's one status stream.
#[derive(Default)]
struct Feed {
    /// Open now (the calls accepted now are followed on it).
    open: bool,
    /// It failed to open or broke: follow each call on its own.
    failed: bool,
    /// Front request id → the call it follows.
    follows: std::collections::HashMap<u64, Follow>,
    /// Statuses that came before their call's 202, by front request id.
    early: std::collections::HashMap<u64, Vec<CallStatus>>,
}

/// A call followed on the stream.
#[derive(Debug, Clone, Copy)]
struct Follow {
    call: CallId,
    /// The business's request id.
    request_id: u64,
    /// Statuses delivered so far.
    delivered: usize,
}

/// Early statuses kept at most (a stream that feeds calls nobody claims
/// must not grow without bound).
const MAX_EARLY: usize = 65_536;

/// Told every call status the link hands the business server, as it
/// arrives: the business's call and the status (e.g. a bench timing the
/// bridge without polling).
pub type StatusObserver = Arc<dyn Fn(CallId, &CallStatus) + Send + Sync>;

/// The business side of the access server's HTTP front. Clone freely.
#[derive(Clone)]
pub struct GatewayLink {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for GatewayLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayLink").field("base", &self.inner.base).finish_non_exhaustive()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// An error making the link.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("gateway link: not inside a tokio runtime")]
    NoRuntime,
    #[error("gateway link: cannot build the HTTP client: {0}")]
    Client(String),
}

impl GatewayLink {
    /// A link to the front at `base` (`http://127.0.0.1:8443` or
    /// `https://…`), signing as `business` with `key`. Call from inside a
    /// tokio runtime: the requests run on it. `accept_invalid_certs` is for
    /// a front with a self-signed certificate on loopback.
    ///
    /// # Errors
    /// No current tokio runtime, or the HTTP client cannot be built.
    pub fn new(
        base: &str,
        business: &str,
        key: &[u8],
        accept_invalid_certs: bool,
    ) -> Result<Self, LinkError> {
        let rt = tokio::runtime::Handle::try_current().map_err(|_| LinkError::NoRuntime)?;
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(accept_invalid_certs)
            .build()
            .map_err(|e| LinkError::Client(e.to_string()))?;
        let started = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        Ok(GatewayLink {
            inner: Arc::new(Inner {
                http,
                base: base.trim_end_matches('/').to_owned(),
                business: business.to_owned(),
                key: key.to_vec(),
                web: OnceLock::new(),
                ids: Mutex::new(BTreeMap::new()),
                nonce_prefix: format!("{started:x}"),
                nonce: AtomicU64::new(0),
                counts: Counters::default(),
                log: Mutex::new(Vec::new()),
                transcript: std::sync::atomic::AtomicBool::new(true),
                rt,
                observer: OnceLock::new(),
                feed: Mutex::new(Feed::default()),
                opening: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Wires in the business web server the answers go to (once; later
    /// calls are ignored). Until then answers are dropped.
    pub fn attach(&self, web: WebState) {
        let _ = self.inner.web.set(web);
    }

    /// Sets the observer told every status after the business server got
    /// it (once; later calls are ignored).
    pub fn observe(&self, observer: StatusObserver) {
        let _ = self.inner.observer.set(observer);
    }

    /// Running totals.
    pub fn counts(&self) -> LinkCounts {
        let c = &self.inner.counts;
        LinkCounts {
            started: c.started.load(Ordering::SeqCst),
            finished: c.finished.load(Ordering::SeqCst),
            statuses: c.statuses.load(Ordering::SeqCst),
            refused: c.refused.load(Ordering::SeqCst),
        }
    }

    /// Whether the link keeps a transcript for [`GatewayLink::take_log`]
    /// (on by default). A service that never takes it (`ainsim serve`)
    /// turns it off, or it grows by two entries a call for ever.
    pub fn keep_transcript(&self, on: bool) {
        self.inner.transcript.store(on, Ordering::Relaxed);
        if !on {
            lock(&self.inner.log).clear();
        }
    }

    /// What the link did since the last call, oldest first.
    pub fn take_log(&self) -> Vec<LinkEvent> {
        std::mem::take(&mut *lock(&self.inner.log))
    }

    /// A signed `GET` of `path` at the front (e.g. `/v1/cdrs`): status and JSON body.
    ///
    /// # Errors
    /// The request failed on the way (no answer).
    pub async fn get(&self, path: &str) -> Result<(u16, serde_json::Value), String> {
        let resp = self
            .inner
            .signed(reqwest::Method::GET, path, Vec::new())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))))
    }

    /// A signed `PUT` of `body` (JSON) to `path` at the front (e.g.
    /// `/v1/direct`): status and JSON body.
    ///
    /// # Errors
    /// The request failed on the way (no answer).
    pub async fn put(&self, path: &str, body: Vec<u8>) -> Result<(u16, serde_json::Value), String> {
        let resp =
            self.inner.signed(reqwest::Method::PUT, path, body).send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))))
    }

    /// The front's request id for the business's `request_id`.
    pub fn front_id(&self, request_id: u64) -> Option<u64> {
        lock(&self.inner.ids).get(&request_id).copied()
    }
}

impl InstructionSink for GatewayLink {
    fn send(&self, call: CallId, _agent: &str, message: OsnMessage) {
        let inner = Arc::clone(&self.inner);
        inner.counts.started.fetch_add(1, Ordering::SeqCst);
        let rt = inner.rt.clone();
        rt.spawn(async move {
            inner.forward(call, message).await;
            inner.counts.finished.fetch_add(1, Ordering::SeqCst);
        });
    }
}

/// A signed request's answer: status and JSON body (`null` when not JSON).
type Answer = Result<(u16, serde_json::Value), String>;

impl Inner {
    fn note(&self, call: CallId, text: impl FnOnce() -> String) {
        let keep = self.transcript.load(Ordering::Relaxed);
        if !keep && !tracing::enabled!(tracing::Level::DEBUG) {
            return;
        }
        let text = text();
        tracing::debug!("gateway link: {call}: {text}");
        if keep {
            lock(&self.log).push(LinkEvent { call, text });
        }
    }

    async fn forward(self: &Arc<Self>, call: CallId, message: OsnMessage) {
        match message {
            OsnMessage::CallInstruction {
                request_id,
                equipment,
                business,
                password,
                customer,
                representative,
                contact_at,
            } => {
                let body = CallInstructionRequest {
                    equipment,
                    business,
                    password,
                    customer,
                    representative,
                    contact_at,
                };
                let body = serde_json::to_vec(&body).unwrap_or_default();
                self.open_feed().await;
                let answer = self.post("/v1/call-instructions", body).await;
                self.instruction_answer(call, request_id, answer);
            }
            OsnMessage::NextRepresentative { call_id, representative } => {
                let Some(id) = lock(&self.ids).get(&call_id).copied() else {
                    return self
                        .lost(call, format!("next_representative: no request {call_id} at the front"));
                };
                let body = serde_json::json!({ "representative": representative }).to_string().into_bytes();
                let path = format!("/v1/calls/{id}/next-representative");
                let answer = self.post(&path, body).await;
                self.follow_up_answer(call, &path, answer);
            }
            OsnMessage::Cancel { call_id } => {
                let Some(id) = lock(&self.ids).get(&call_id).copied() else {
                    return self.lost(call, format!("cancel: no request {call_id} at the front"));
                };
                let path = format!("/v1/calls/{id}/cancel");
                let answer = self.post(&path, Vec::new()).await;
                self.follow_up_answer(call, &path, answer);
            }
            other => self.lost(call, format!("{} is not for the access server's front", other.label())),
        }
    }

    fn lost(&self, call: CallId, why: String) {
        self.counts.refused.fetch_add(1, Ordering::SeqCst);
        tracing::warn!("gateway link: {call}: {why}");
        self.note(call, || why);
    }

    fn signed(&self, method: reqwest::Method, path: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
        let ts = unix_now().to_string();
        let nonce = format!("{}-{}", self.nonce_prefix, self.nonce.fetch_add(1, Ordering::SeqCst));
        let sig = sign(&self.key, method.as_str(), path, &ts, &nonce, &body);
        self.http
            .request(method, format!("{}{path}", self.base))
            .header(H_TIMESTAMP, ts)
            .header(H_NONCE, nonce)
            .header(H_SIGNATURE, sig)
            .header(H_BUSINESS, &self.business)
            .header("content-type", "application/json")
            .body(body)
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> Answer {
        let resp = self.signed(reqwest::Method::POST, path, body).send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)))
    }

    fn instruction_answer(self: &Arc<Self>, call: CallId, request_id: u64, answer: Answer) {
        let result = match &answer {
            Ok((202, body)) => {
                let Some(id) = body.get("request_id").and_then(serde_json::Value::as_u64) else {
                    return self.lost(call, format!("202 without a request id: {body}"));
                };
                lock(&self.ids).insert(request_id, id);
                self.note(call, || format!("POST /v1/call-instructions -> 202 Accepted, request {id}"));
                let held_until = body.get("held_until").and_then(serde_json::Value::as_u64);
                let result = InstructionResult::Accepted { held_until };
                // The answer first, then the statuses that came before it.
                if let Some(web) = self.web.get() {
                    if let Err(e) = web.instruction_result(request_id, &result) {
                        tracing::warn!("gateway link: {call}: {e}");
                    }
                }
                let mut feed = lock(&self.feed);
                if feed.open {
                    let mut follow = Follow { call, request_id, delivered: 0 };
                    let mut done = false;
                    for status in feed.early.remove(&id).unwrap_or_default() {
                        done |= self.deliver(&mut follow, &status);
                    }
                    if !done {
                        feed.follows.insert(id, follow);
                    }
                } else {
                    drop(feed);
                    self.follow_alone(call, request_id, id, 0);
                }
                return;
            }
            Ok((status, body)) => {
                self.counts.refused.fetch_add(1, Ordering::SeqCst);
                let refused = refusal_of(*status, body);
                if let InstructionResult::Refused { reason, .. } = &refused {
                    self.note(call, || format!("POST /v1/call-instructions -> {status}: {reason}"));
                }
                refused
            }
            Err(e) => {
                self.counts.refused.fetch_add(1, Ordering::SeqCst);
                self.note(call, || format!("POST /v1/call-instructions failed: {e}"));
                InstructionResult::Refused {
                    refusal: Refusal::NetworkDown,
                    reason: format!("the access server's front is not reachable: {e}"),
                }
            }
        };
        if let Some(web) = self.web.get() {
            if let Err(e) = web.instruction_result(request_id, &result) {
                tracing::warn!("gateway link: {call}: {e}");
            }
        }
    }

    fn follow_up_answer(&self, call: CallId, path: &str, answer: Answer) {
        match answer {
            Ok((202, _)) => self.note(call, || format!("POST {path} -> 202 Accepted")),
            Ok((status, body)) => {
                let reason = body.get("reason").and_then(|r| r.as_str()).unwrap_or_default().to_owned();
                self.lost(call, format!("POST {path} -> {status}: {reason}"));
            }
            Err(e) => self.lost(call, format!("POST {path} failed: {e}")),
        }
    }

    /// Hands one status of a followed call to the business server and the
    /// observer; whether it was the final one.
    fn deliver(&self, follow: &mut Follow, status: &CallStatus) -> bool {
        if let Some(web) = self.web.get() {
            // A stale attempt's news is no error for the stream.
            let _ = web.call_status(follow.request_id, status);
        }
        if let Some(observe) = self.observer.get() {
            observe(follow.call, status);
        }
        self.counts.statuses.fetch_add(1, Ordering::SeqCst);
        follow.delivered += 1;
        matches!(status, CallStatus::Released | CallStatus::Failed { .. } | CallStatus::Cancelled)
    }

    /// Opens the business's `GET /v1/events` stream unless it is open or
    /// has failed; a failure leaves each call to its own stream.
    async fn open_feed(self: &Arc<Self>) {
        {
            let f = lock(&self.feed);
            if f.open || f.failed {
                return;
            }
        }
        let _opening = self.opening.lock().await;
        {
            let f = lock(&self.feed);
            if f.open || f.failed {
                return;
            }
        }
        let path = "/v1/events";
        let resp = match self.signed(reqwest::Method::GET, path, Vec::new()).send().await {
            Ok(r) if r.status().is_success() => r,
            Ok(r) => {
                tracing::warn!("gateway link: GET {path} -> {}: one stream per call", r.status().as_u16());
                lock(&self.feed).failed = true;
                return;
            }
            Err(e) => {
                tracing::warn!("gateway link: GET {path} failed: {e}: one stream per call");
                lock(&self.feed).failed = true;
                return;
            }
        };
        lock(&self.feed).open = true;
        let me = Arc::clone(self);
        self.rt.spawn(async move { me.read_feed(resp).await });
    }

    /// Reads the business's stream until it ends; then every call it was
    /// following goes on on its own stream.
    async fn read_feed(self: Arc<Self>, mut resp: reqwest::Response) {
        let mut sse = SseBuffer::default();
        let why = loop {
            let chunk = match resp.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break "ended".to_owned(),
                Err(e) => break format!("broken: {e}"),
            };
            for (event, data) in sse.push(&chunk) {
                if event != "status" {
                    continue;
                }
                #[derive(serde::Deserialize)]
                struct News {
                    request_id: u64,
                    status: CallStatus,
                }
                let news: News = match serde_json::from_str(&data) {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!("gateway link: GET /v1/events: bad status {data:?}: {e}");
                        continue;
                    }
                };
                let mut feed = lock(&self.feed);
                let done = match feed.follows.get_mut(&news.request_id) {
                    Some(follow) => self.deliver(follow, &news.status),
                    None => {
                        if feed.early.len() >= MAX_EARLY {
                            tracing::warn!("gateway link: {MAX_EARLY} statuses of unknown calls: dropped");
                            feed.early.clear();
                        }
                        feed.early.entry(news.request_id).or_default().push(news.status);
                        false
                    }
                };
                if done {
                    feed.follows.remove(&news.request_id);
                }
            }
        };
        tracing::warn!("gateway link: GET /v1/events {why}: one stream per call from now on");
        let follows: Vec<(u64, Follow)> = {
            let mut feed = lock(&self.feed);
            feed.open = false;
            feed.failed = true;
            feed.early.clear();
            feed.follows.drain().collect()
        };
        for (id, f) in follows {
            self.follow_alone(f.call, f.request_id, id, f.delivered);
        }
    }

    /// Follows front request `id` on its own stream, skipping the first
    /// `skip` statuses (already delivered).
    fn follow_alone(self: &Arc<Self>, call: CallId, request_id: u64, id: u64, skip: usize) {
        let me = Arc::clone(self);
        // Counted as in flight until the stream is open, so a driver
        // waits for it before it moves time on.
        self.counts.started.fetch_add(1, Ordering::SeqCst);
        self.rt.spawn(async move { me.follow(call, request_id, id, skip).await });
    }

    /// Follows `GET /v1/calls/{id}/events` until the final status.
    async fn follow(&self, call: CallId, request_id: u64, id: u64, skip: usize) {
        let path = format!("/v1/calls/{id}/events");
        let resp = self.signed(reqwest::Method::GET, &path, Vec::new()).send().await;
        let mut resp = match resp {
            Ok(r) if r.status().is_success() => r,
            Ok(r) => {
                self.counts.finished.fetch_add(1, Ordering::SeqCst);
                return self.lost(call, format!("GET {path} -> {}", r.status().as_u16()));
            }
            Err(e) => {
                self.counts.finished.fetch_add(1, Ordering::SeqCst);
                return self.lost(call, format!("GET {path} failed: {e}"));
            }
        };
        self.counts.finished.fetch_add(1, Ordering::SeqCst);
        let mut sse = SseBuffer::default();
        let mut follow = Follow { call, request_id, delivered: 0 };
        let mut seen = 0usize;
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    self.lost(call, format!("GET {path}: stream broken: {e}"));
                    break;
                }
            };
            for (event, data) in sse.push(&chunk) {
                if event != "status" {
                    continue;
                }
                match serde_json::from_str::<CallStatus>(&data) {
                    Ok(status) => {
                        seen += 1;
                        if seen > skip {
                            self.deliver(&mut follow, &status);
                        }
                    }
                    Err(e) => self.lost(call, format!("GET {path}: bad status {data:?}: {e}")),
                }
            }
        }
    }
}

/// What the front's refusal means to the business server.
fn refusal_of(status: u16, body: &serde_json::Value) -> InstructionResult {
    let text = |k: &str| body.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let kind = text("error");
    let reason = format!("HTTP {status} {kind}: {}", text("reason"));
    if kind == "network_refused" {
        if let Some(r) = body.get("refusal").and_then(|r| serde_json::from_value::<Refusal>(r.clone()).ok()) {
            return InstructionResult::Refused { refusal: r, reason };
        }
    }
    let refusal = match kind.as_str() {
        "wrong_password" => Refusal::WrongPassword { business: text("business") },
        "unknown_business" => Refusal::UnknownBusiness { business: text("business") },
        "rate_limited" => Refusal::RateLimited {
            business: text("business"),
            limit: body
                .get("limit")
                .and_then(serde_json::Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0),
            per_s: body.get("per_s").and_then(serde_json::Value::as_u64).unwrap_or(0),
        },
        "bad_number" | "premium_rate" | "international" => {
            Refusal::BadNumber { field: text("field"), number: text("number"), why: reason.clone() }
        }
        "network_down" | "network_timeout" => Refusal::NetworkDown,
        _ => Refusal::Malformed { why: reason.clone() },
    };
    InstructionResult::Refused { refusal, reason }
}

/// Splits a server-sent event stream into `(event, data)` pairs.
#[derive(Debug, Default)]
pub(crate) struct SseBuffer {
    buf: String,
}

impl SseBuffer {
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<(String, String)> {
        self.buf.push_str(&String::from_utf8_lossy(chunk));
        let mut out = Vec::new();
        while let Some(end) = self.buf.find("\n\n") {
            let block: String = self.buf.drain(..end + 2).collect();
            let (mut event, mut data) = (String::from("message"), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            if !data.is_empty() {
                out.push((event, data));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_keeps_a_transcript_only_when_asked() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        rt.block_on(async {
            for keep in [true, false] {
                let link = GatewayLink::new("http://127.0.0.1:9", "ABC", b"key", false).expect("a link");
                link.keep_transcript(keep);
                // No front request 7: lost before anything is sent.
                link.send(CallId(1), "rep-1", OsnMessage::Cancel { call_id: 7 });
                while link.counts().in_flight() > 0 {
                    tokio::task::yield_now().await;
                }
                assert_eq!(link.counts().refused, 1);
                let log = link.take_log();
                assert_eq!(log.len(), usize::from(keep), "{log:?}");
            }
        });
    }

    #[test]
    fn server_sent_events_split_across_chunks_come_out_whole() {
        let mut s = SseBuffer::default();
        assert!(s.push(b"event: status\ndata: {\"state\":").is_empty());
        let got = s.push(b"\"connected\"}\n\n: keep-alive\n\nevent: status\ndata: {}\n\n");
        assert_eq!(
            got,
            vec![("status".into(), "{\"state\":\"connected\"}".into()), ("status".into(), "{}".into())]
        );
    }

    #[test]
    fn a_refusal_of_the_front_names_the_status_and_the_kind() {
        let body =
            serde_json::json!({"error": "bad_signature", "reason": "the request signature does not match"});
        match refusal_of(401, &body) {
            InstructionResult::Refused { refusal: Refusal::Malformed { .. }, reason } => {
                assert_eq!(reason, "HTTP 401 bad_signature: the request signature does not match");
            }
            other => panic!("{other:?}"),
        }
        let body = serde_json::json!({"error": "network_refused", "refusal": {"what": "network_down"}, "reason": "x"});
        assert!(matches!(
            refusal_of(502, &body),
            InstructionResult::Refused { refusal: Refusal::NetworkDown, .. }
        ));
    }
}
