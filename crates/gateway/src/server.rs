//! The HTTP(S) layer of the front: axum routes over a [`Gateway`], and one
//! OSN/TCP connection to the `AccessServer` element.
//!
//! - `POST /v1/call-instructions`: the Fig. 8 JSON, signed (see `check`).
//!   Refused → the refusal's status and `{"error":kind,"reason":…,…}`;
//!   nothing is written to the OSN. Accepted → the instruction goes to the
//!   access server; its answer decides the reply: `202
//!   {"request_id":N,"held_until":T?,"status_url":"/v1/calls/N"}`, or `502`
//!   with `{"error":"network_refused","refusal":…,"reason":…}` (or `504`
//!   when the network does not answer within 10 s).
//! - `GET /v1/calls/{request_id}`: `{"request_id","business","result","statuses":[…]}`,
//!   signed like the POST (empty body) with `X-Ainsim-Business` naming the
//!   business; another business's call is 404.
//! - `GET /v1/calls/{request_id}/events`: the same, signed, as server-sent
//!   events (`event: status`), ending after the final status.
//! - `GET /v1/events`: signed likewise, every status of every call of the
//!   business from then on (`{"request_id","status"}`), one stream for all.
//!
//! TLS (rustls, `ring` provider) when [`ServerConfig::tls`] names PEM
//! files; plain HTTP otherwise. The wall clock is read here, once per
//! request, and passed to the sans-IO checks.
//!
//! - `GET /v1/cdrs`: the signing business's call detail records and
//!   totals, from the [`CdrSource`] wired in with [`Running::set_cdrs`]
//!   (503 `no_billing` without one).
//! - `POST /v1/calls/{request_id}/cancel` and
//!   `POST /v1/calls/{request_id}/next-representative`
//!   (`{"representative":"…"}`): signed like the GET, passed on as OSN
//!   `cancel` / `next_representative`; `202 {"request_id","sent"}`.
//!
//! - `PUT /v1/direct` and `POST /v1/call-requests`: Fig. 9, the business's
//!   network-side ACD and the shoppers' requests straight from its pages.
//!   With a `screen_pop_url` in the setup, every representative the desk
//!   picks is popped there: a signed `POST` of [`ainsim_business::NetworkPop`]
//!   on its own task (2 s limit, no retry), audited as
//!   `screen_pop_delivered` or `screen_pop_failed`; the call goes on either way.
//!
//! What it is not: a reconnecting OSN link (a lost link fails later
//! requests with 503), or a rate limit on follow-ups.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};

use ainsim_business::{Action, BusinessConfig, BusinessServer, Status};
use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage};
use ainsim_elements::Instant;
use ainsim_store::MemStore;

use crate::check::{Decision, Gateway, HttpRequest, Refusal, H_BUSINESS, H_NONCE, H_SIGNATURE, H_TIMESTAMP};

/// How long to wait for the access server's answer to an instruction.
const ANSWER_WAIT: Duration = Duration::from_secs(10);
/// Bodies over this are cut off by axum itself (413, not audited); the
/// gateway's own, smaller limit (audited) applies below it.
const HARD_BODY_LIMIT: usize = 1024 * 1024;

/// Where to listen and how.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// PEM certificate chain and private key; none = plain HTTP.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The access server's OSN client port (a `Rt::osn_listen` address).
    pub access_server: SocketAddr,
}

/// What the front knows of one call.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CallRecord {
    pub request_id: u64,
    pub business: String,
    /// The access server's answer, once it came.
    pub result: Option<InstructionResult>,
    pub statuses: Vec<CallStatus>,
    /// Made by a Fig. 9 desk (not on the business's `GET /v1/events`).
    #[serde(skip)]
    pub desk: bool,
}

struct Shared {
    gateway: Mutex<Gateway>,
    calls: Mutex<BTreeMap<u64, CallRecord>>,
    pending: Mutex<BTreeMap<u64, oneshot::Sender<InstructionResult>>>,
    osn: mpsc::UnboundedSender<Vec<u8>>,
    frames_sent: AtomicU64,
    /// Per call with an open event stream, the number of statuses it has
    /// so far: each stream is woken by its own call's news only. Locked
    /// only under `calls`; an entry goes with the call's final status.
    news: Mutex<HashMap<u64, watch::Sender<usize>>>,
    /// Per business, the open `GET /v1/events` streams: each gets every
    /// status of the business's own calls as the SSE data to send.
    feeds: Mutex<HashMap<String, Vec<mpsc::UnboundedSender<String>>>>,
    /// Where `GET /v1/cdrs` reads from.
    cdrs: Mutex<Option<Arc<dyn CdrSource>>>,
    /// The network-side ACDs of the businesses that take Fig. 9 requests.
    desks: Mutex<BTreeMap<String, Desk>>,
    /// Where the desks' time starts.
    started: std::time::Instant,
    /// Flushes the audit log before answers when the store is on disk.
    sync: Option<GroupSync>,
    /// Screen pops to post (Fig. 9 desks with a `screen_pop_url`).
    pops: mpsc::UnboundedSender<PopJob>,
    /// Screen pops queued and finished (delivered or failed, and audited).
    pops_queued: AtomicU64,
    pops_done: AtomicU64,
}

/// Where a desk posts its screen pops, and the key it signs them with.
#[derive(Clone)]
struct PopTarget {
    url: String,
    key: Vec<u8>,
}

/// One screen pop to post.
struct PopJob {
    business: String,
    target: PopTarget,
    request_id: Option<u64>,
    body: Vec<u8>,
}

/// How long a screen pop may take before it is given up (and audited).
const POP_WAIT: Duration = Duration::from_secs(2);

/// Posts the screen pops, each on its own task: a slow or dead business
/// web server delays no call and no other pop. Every outcome is audited.
async fn post_pops(shared: std::sync::Weak<Shared>, mut rx: mpsc::UnboundedReceiver<PopJob>) {
    let http = match reqwest::Client::builder().timeout(POP_WAIT).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("gateway: no HTTP client for screen pops: {e}");
            reqwest::Client::new()
        }
    };
    let started = unix_now();
    let mut seq = 0u64;
    while let Some(job) = rx.recv().await {
        seq += 1;
        let nonce = format!("pop-{started}-{seq}");
        let (http, shared) = (http.clone(), shared.clone());
        tokio::spawn(async move {
            let (status, outcome, reason) = match post_pop(&http, &job, &nonce).await {
                Ok(status) => (status, "screen_pop_delivered", String::new()),
                Err((status, reason)) => (status, "screen_pop_failed", reason),
            };
            let Some(s) = shared.upgrade() else { return };
            let audited = lock(&s.gateway).audit_outbound(
                unix_now(),
                "POST",
                &job.target.url,
                &job.business,
                job.request_id,
                status,
                outcome,
                reason,
            );
            if let Err(e) = audited {
                tracing::warn!("gateway: screen pop to {}: not audited: {e}", job.target.url);
            } else if durable(&s).await.is_err() {
                tracing::warn!("gateway: screen pop to {}: audit entry not flushed", job.target.url);
            }
            s.pops_done.fetch_add(1, Ordering::SeqCst);
        });
    }
}

/// Posts one pop, signed like the business's own requests (`X-Ainsim-*`
/// headers over `POST`, the URL's path, timestamp, nonce and body). The
/// answer's status when it is 2xx; else the status (0: none came) and why.
async fn post_pop(http: &reqwest::Client, job: &PopJob, nonce: &str) -> Result<u16, (u16, String)> {
    let url = reqwest::Url::parse(&job.target.url).map_err(|e| (0, format!("bad URL: {e}")))?;
    let ts = unix_now().to_string();
    let sig = crate::check::sign(&job.target.key, "POST", url.path(), &ts, nonce, &job.body);
    let resp = http
        .post(url)
        .header("content-type", "application/json")
        .header(H_BUSINESS, &job.business)
        .header(H_TIMESTAMP, ts)
        .header(H_NONCE, nonce)
        .header(H_SIGNATURE, sig)
        .body(job.body.clone())
        .send()
        .await
        .map_err(|e| (0, format!("no answer: {e}")))?;
    let status = resp.status().as_u16();
    if resp.status().is_success() {
        return Ok(status);
    }
    let text = resp.text().await.unwrap_or_default();
    Err((status, format!("answered {status}: {}", text.chars().take(200).collect::<String>())))
}

/// Flushes the gateway's store for every request waiting on it at once
/// (group commit): the checks write their audit entries under the gateway
/// lock without flushing ([`Gateway::defer_flushes`]); each request then
/// waits here, outside the lock, before it is answered, and one disk sync
/// on this thread covers every request that came in while the last one ran.
struct GroupSync {
    syncer: ainsim_store::Syncer,
    waiting: std::sync::mpsc::Sender<oneshot::Sender<Result<(), String>>>,
}

impl GroupSync {
    fn start(syncer: ainsim_store::Syncer) -> Self {
        let (waiting, rx) = std::sync::mpsc::channel::<oneshot::Sender<Result<(), String>>>();
        let flush = Arc::clone(&syncer);
        // Without the thread every send below fails and `durable` flushes
        // on a blocking task instead.
        let _ = std::thread::Builder::new().name("gateway-sync".into()).spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                batch.extend(rx.try_iter());
                let r = flush().map_err(|e| e.to_string());
                for w in batch {
                    let _ = w.send(r.clone());
                }
            }
        });
        GroupSync { syncer, waiting }
    }
}

/// Makes the audit entries written so far durable (see [`GroupSync`]); a
/// failure is the answer to give instead (500 `store`).
async fn durable(s: &Shared) -> Result<(), Response> {
    let Some(g) = &s.sync else { return Ok(()) };
    let (tx, rx) = oneshot::channel();
    let done = if g.waiting.send(tx).is_ok() {
        rx.await.unwrap_or_else(|_| Err("the store's sync thread stopped".into()))
    } else {
        let syncer = Arc::clone(&g.syncer);
        tokio::task::spawn_blocking(move || syncer().map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|_| Err("the store's flush did not finish".into()))
    };
    done.map_err(|e| refusal(&Refusal::Store(e)))
}

/// One business's network-side ACD (Fig. 9): the same business server and
/// ACD a business runs itself, here in memory, its instructions going
/// straight to the OSN under the front's request ids.
struct Desk {
    server: BusinessServer,
    /// The front's request id → the desk's.
    to_desk: BTreeMap<u64, u64>,
    /// The desk's request id → the front's.
    to_front: BTreeMap<u64, u64>,
    /// Where its screen pops go, if anywhere.
    pop: Option<PopTarget>,
}

/// The network's billing records, as the front lists them to a business.
pub trait CdrSource: Send + Sync + 'static {
    /// The records billed to `business` (its sessions and their legs) and
    /// their totals, as JSON (`ainsim_billing::Listing`).
    ///
    /// # Errors
    /// The store failed (the text is returned to the client as a 500).
    fn list(&self, business: &str) -> Result<serde_json::Value, String>;
}

/// A running front.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    handle: axum_server::Handle,
    shared: Arc<Shared>,
}

impl Running {
    /// Runs `f` on `business`'s network-side ACD (Fig. 9), if it set one up.
    pub fn with_desk<T>(&self, business: &str, f: impl FnOnce(&mut BusinessServer) -> T) -> Option<T> {
        lock(&self.shared.desks).get_mut(business).map(|d| f(&mut d.server))
    }

    /// OSN frames written toward the access server so far.
    pub fn frames_sent(&self) -> u64 {
        self.shared.frames_sent.load(Ordering::SeqCst)
    }

    /// Screen pops queued so far, and how many of them are finished
    /// (delivered or failed, and audited).
    pub fn screen_pops(&self) -> (u64, u64) {
        (self.shared.pops_queued.load(Ordering::SeqCst), self.shared.pops_done.load(Ordering::SeqCst))
    }

    /// Whether front request `request_id` was made by a Fig. 9 desk (not
    /// by a business's own signed instruction).
    pub fn is_desk_call(&self, request_id: u64) -> bool {
        lock(&self.shared.desks).values().any(|d| d.to_desk.contains_key(&request_id))
    }

    /// Runs `f` on the gateway (its audit log, businesses).
    pub fn with_gateway<T>(&self, f: impl FnOnce(&mut Gateway) -> T) -> T {
        let mut g = self.shared.gateway.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut g)
    }

    /// Lets `GET /v1/cdrs` list the records of `source`.
    pub fn set_cdrs(&self, source: Arc<dyn CdrSource>) {
        *lock(&self.shared.cdrs) = Some(source);
    }

    /// Stops listening.
    pub fn shutdown(&self) {
        self.handle.shutdown();
    }
}

/// An error starting the front.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("gateway: cannot listen on {addr}: {err}")]
    Listen { addr: SocketAddr, err: std::io::Error },
    #[error("gateway: cannot reach the access server at {addr}: {err}")]
    Osn { addr: SocketAddr, err: std::io::Error },
    #[error("gateway: TLS certificate or key {what}: {err}")]
    Tls { what: String, err: std::io::Error },
}

/// Connects to the access server, binds `cfg.listen` and serves in the background.
///
/// # Errors
/// [`StartError`]: the listen address, the OSN connection, or the PEM files.
pub async fn start(cfg: ServerConfig, mut gateway: Gateway) -> Result<Running, StartError> {
    let stream = TcpStream::connect(cfg.access_server)
        .await
        .map_err(|err| StartError::Osn { addr: cfg.access_server, err })?;
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let sync = gateway.defer_flushes().map(GroupSync::start);
    let (pops, pops_rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        gateway: Mutex::new(gateway),
        calls: Mutex::new(BTreeMap::new()),
        pending: Mutex::new(BTreeMap::new()),
        osn: tx,
        frames_sent: AtomicU64::new(0),
        news: Mutex::new(HashMap::new()),
        feeds: Mutex::new(HashMap::new()),
        cdrs: Mutex::new(None),
        desks: Mutex::new(BTreeMap::new()),
        started: std::time::Instant::now(),
        sync,
        pops,
        pops_queued: AtomicU64::new(0),
        pops_done: AtomicU64::new(0),
    });
    tokio::spawn(post_pops(Arc::downgrade(&shared), pops_rx));
    tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            if let Err(e) = wr.write_all(&frame).await {
                tracing::warn!("gateway: OSN write failed: {e}");
                break;
            }
        }
    });
    let ticker = Arc::downgrade(&shared);
    tokio::spawn(async move {
        // The desks' ACD timers (wrap-up, tiers, callbacks).
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let Some(s) = ticker.upgrade() else { return };
            s.tick_desks();
        }
    });
    let reader = Arc::clone(&shared);
    tokio::spawn(async move {
        let mut buf = Vec::new();
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            loop {
                match OsnMessage::split(&buf) {
                    Ok(Some(len)) => {
                        let frame: Vec<u8> = buf.drain(..len).collect();
                        match OsnMessage::parse(&frame) {
                            Ok(m) => reader.on_osn(m),
                            Err(e) => tracing::warn!("gateway: bad OSN frame: {e}"),
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!("gateway: OSN stream broken: {e}");
                        return;
                    }
                }
            }
        }
        tracing::warn!("gateway: OSN connection to the access server closed");
    });

    let app = Router::new()
        .route("/v1/call-instructions", post(post_instruction))
        .route("/v1/events", get(business_events))
        .route("/v1/calls/{request_id}", get(get_call))
        .route("/v1/calls/{request_id}/events", get(call_events))
        .route("/v1/calls/{request_id}/cancel", post(cancel))
        .route("/v1/calls/{request_id}/next-representative", post(next_representative))
        .route("/v1/cdrs", get(cdrs))
        .route("/v1/direct", axum::routing::put(direct_setup))
        .route("/v1/call-requests", post(direct_request).options(preflight))
        .layer(DefaultBodyLimit::max(HARD_BODY_LIMIT))
        .with_state(Arc::clone(&shared));
    let listener = listen(cfg.listen).map_err(|err| StartError::Listen { addr: cfg.listen, err })?;
    let addr = listener.local_addr().map_err(|err| StartError::Listen { addr: cfg.listen, err })?;
    let handle = axum_server::Handle::new();
    match &cfg.tls {
        None => {
            let server = axum_server::from_tcp(listener).handle(handle.clone());
            tokio::spawn(server.serve(app.into_make_service()));
        }
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls =
                axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await.map_err(|err| {
                    StartError::Tls { what: format!("{} / {}", cert.display(), key.display()), err }
                })?;
            let server = axum_server::from_tcp_rustls(listener, tls).handle(handle.clone());
            tokio::spawn(server.serve(app.into_make_service()));
        }
    }
    Ok(Running { addr, handle, shared })
}

/// A non-blocking listener on `addr` with a backlog of 1 024 connections.
///
/// `std::net::TcpListener::bind` listens with a backlog of 128: when a
/// business web server opens a few hundred connections at once (its HTTP
/// client pool at a burst of call requests), the SYNs beyond the backlog are
/// dropped and each of those clients waits for its one-second SYN
/// retransmission.
fn listen(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket =
        if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(1024)?.into_std()?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

impl Shared {
    fn on_osn(&self, m: OsnMessage) {
        match m {
            OsnMessage::CallInstructionResult { request_id, result } => {
                // Only the first answer is the instruction's; later ones
                // (a refused cancel, say) do not overwrite it.
                let first = lock(&self.calls).get_mut(&request_id).is_some_and(|c| {
                    let first = c.result.is_none();
                    c.result.get_or_insert_with(|| result.clone());
                    first
                });
                if first {
                    self.to_desk(request_id, |d, now, id| d.instruction_result(now, id, &result));
                }
                if let Some(tx) = lock(&self.pending).remove(&request_id) {
                    let _ = tx.send(result);
                }
            }
            OsnMessage::CallStatus { call_id, status } => {
                // Under the calls lock, so a stream that snapshots the call
                // and subscribes under it neither misses nor repeats one.
                let mut feed = None;
                {
                    let mut calls = lock(&self.calls);
                    if let Some(c) = calls.get_mut(&call_id) {
                        if !c.desk {
                            feed = Some(c.business.clone());
                        }
                        c.statuses.push(status.clone());
                        let mut news = lock(&self.news);
                        if let Some(tx) = news.get(&call_id) {
                            tx.send_replace(c.statuses.len());
                        }
                        if is_final(&status) {
                            // Streams still open read the rest from the record.
                            news.remove(&call_id);
                        }
                    }
                }
                if let Some(business) = feed {
                    self.feed(&business, call_id, &status);
                }
                self.to_desk(call_id, |d, now, id| d.call_status(now, id, &status));
            }
            other => tracing::debug!("gateway: ignored OSN message {}", other.label()),
        }
    }
}

impl Shared {
    /// Sends `status` of call `call_id` to `business`'s open `GET /v1/events`
    /// streams (in the order the network sent them: the one OSN reader
    /// calls this), dropping the streams that are gone.
    fn feed(&self, business: &str, call_id: u64, status: &CallStatus) {
        let mut feeds = lock(&self.feeds);
        let Some(streams) = feeds.get_mut(business) else { return };
        let data = json!({"request_id": call_id, "status": status}).to_string();
        streams.retain(|tx| tx.send(data.clone()).is_ok());
        if streams.is_empty() {
            feeds.remove(business);
        }
    }

    fn desk_now(&self) -> Instant {
        Instant(u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX))
    }

    /// Hands the network's news about front request `id` to the desk that
    /// made it, if any, and carries out what the desk decides.
    fn to_desk(
        &self,
        id: u64,
        f: impl FnOnce(&mut BusinessServer, Instant, u64) -> Result<Vec<Action>, ainsim_business::BusinessError>,
    ) {
        let now = self.desk_now();
        let mut desks = lock(&self.desks);
        let Some((business, desk)) = desks.iter_mut().find(|(_, d)| d.to_desk.contains_key(&id)) else {
            return;
        };
        let business = business.clone();
        let desk_id = desk.to_desk[&id];
        match f(&mut desk.server, now, desk_id) {
            Ok(actions) => self.run_desk(&business, desk, actions),
            Err(e) => tracing::debug!("gateway: desk {business}: {e}"),
        }
    }

    /// Runs every desk's timers that are due.
    fn tick_desks(&self) {
        let now = self.desk_now();
        let mut desks = lock(&self.desks);
        for (business, desk) in desks.iter_mut() {
            if desk.server.poll_timeout().is_some_and(|t| t <= now) {
                match desk.server.handle_timeout(now) {
                    Ok(actions) => self.run_desk(business, desk, actions),
                    Err(e) => tracing::warn!("gateway: desk {business}: {e}"),
                }
            }
        }
    }

    /// Carries out a desk's actions: its instructions go to the OSN under
    /// fresh front request ids; its next representatives under the call's.
    fn run_desk(&self, business: &str, desk: &mut Desk, actions: Vec<Action>) {
        for a in actions {
            let message = match a {
                Action::Instruction { message, .. } => message,
                Action::ScreenPop { pop } => {
                    self.screen_pop(business, desk, &pop);
                    continue;
                }
                _ => continue,
            };
            let frame = match message {
                OsnMessage::CallInstruction {
                    request_id: desk_id,
                    equipment,
                    business: b,
                    password,
                    customer,
                    representative,
                    contact_at,
                } => {
                    let id = match lock(&self.gateway).next_request_id() {
                        Ok(id) => id,
                        Err(e) => {
                            tracing::warn!("gateway: desk {business}: no request id: {e}");
                            continue;
                        }
                    };
                    desk.to_desk.insert(id, desk_id);
                    desk.to_front.insert(desk_id, id);
                    lock(&self.calls).insert(
                        id,
                        CallRecord {
                            request_id: id,
                            business: business.into(),
                            desk: true,
                            ..CallRecord::default()
                        },
                    );
                    OsnMessage::CallInstruction {
                        request_id: id,
                        equipment,
                        business: b,
                        password,
                        customer,
                        representative,
                        contact_at,
                    }
                }
                OsnMessage::NextRepresentative { call_id, representative } => {
                    let Some(&id) = desk.to_front.get(&call_id) else { continue };
                    OsnMessage::NextRepresentative { call_id: id, representative }
                }
                OsnMessage::Cancel { call_id } => {
                    let Some(&id) = desk.to_front.get(&call_id) else { continue };
                    OsnMessage::Cancel { call_id: id }
                }
                _ => continue,
            };
            if self.osn.send(frame.emit()).is_ok() {
                self.frames_sent.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

impl Shared {
    /// Queues `pop` for the desk's screen-pop URL, if it has one, with the
    /// call's front request id (the session) when its instruction was sent.
    fn screen_pop(&self, business: &str, desk: &Desk, pop: &ainsim_business::ScreenPop) {
        let Some(target) = &desk.pop else { return };
        let request_id = desk
            .server
            .call(pop.call)
            .and_then(|c| c.request_id)
            .and_then(|d| desk.to_front.get(&d).copied());
        let notice = ainsim_business::NetworkPop {
            business: business.into(),
            request_id,
            representative: pop.agent.clone(),
            customer_number: pop.customer.number.clone(),
            page: pop.page.clone(),
        };
        let Ok(body) = serde_json::to_vec(&notice) else { return };
        let job = PopJob { business: business.into(), target: target.clone(), request_id, body };
        if self.pops.send(job).is_ok() {
            self.pops_queued.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn error(status: u16, body: serde_json::Value) -> Response {
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(body)).into_response()
}

/// Runs `check` on the gateway over the request as it came (its headers,
/// path and body, the wall clock now), on a blocking thread: argon2 takes
/// milliseconds, which must not stall the async workers. The audit entry
/// is durable before it returns; the `Err` is the answer to give when it is
/// not, or when the check did not finish.
async fn check_blocking<T: Send + 'static>(
    s: &Arc<Shared>,
    method: &'static str,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
    check: impl FnOnce(&mut Gateway, &HttpRequest<'_>, Option<&str>) -> T + Send + 'static,
) -> Result<T, Response> {
    let header = |h: &str| headers.get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (ts, nonce, sig) = (header(H_TIMESTAMP), header(H_NONCE), header(H_SIGNATURE));
    let business = header(H_BUSINESS);
    let path = uri.path().to_string();
    let checker = Arc::clone(s);
    let checked = tokio::task::spawn_blocking(move || {
        let req = HttpRequest {
            method,
            path: &path,
            timestamp: ts.as_deref(),
            nonce: nonce.as_deref(),
            signature: sig.as_deref(),
            body: &body,
            now: unix_now(),
        };
        check(&mut lock(&checker.gateway), &req, business.as_deref())
    })
    .await;
    let Ok(checked) = checked else {
        return Err(error(500, json!({"error": "internal", "reason": "the check did not finish"})));
    };
    durable(s).await?;
    Ok(checked)
}

async fn post_instruction(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let decision = match check_blocking(&s, "POST", &uri, &headers, body, |g, req, _| g.check(req)).await {
        Ok(d) => d,
        Err(answer) => return answer,
    };
    let (request_id, business, instruction) = match decision {
        Decision::Refused(r) => return refusal(&r),
        Decision::Accepted { request_id, business, instruction } => (request_id, business, instruction),
    };
    let (tx, rx) = oneshot::channel();
    lock(&s.pending).insert(request_id, tx);
    lock(&s.calls).insert(request_id, CallRecord { request_id, business, ..CallRecord::default() });
    if s.osn.send(instruction.emit()).is_err() {
        lock(&s.pending).remove(&request_id);
        return error(
            503,
            json!({"error": "network_down", "reason": "the OSN link to the access server is down"}),
        );
    }
    s.frames_sent.fetch_add(1, Ordering::SeqCst);
    match tokio::time::timeout(ANSWER_WAIT, rx).await {
        Ok(Ok(InstructionResult::Accepted { held_until })) => (
            StatusCode::ACCEPTED,
            Json(json!({
                "request_id": request_id,
                "held_until": held_until,
                "status_url": format!("/v1/calls/{request_id}"),
            })),
        )
            .into_response(),
        Ok(Ok(InstructionResult::Refused { refusal, reason })) => error(
            502,
            json!({"error": "network_refused", "request_id": request_id, "refusal": refusal, "reason": reason}),
        ),
        _ => {
            lock(&s.pending).remove(&request_id);
            error(
                504,
                json!({"error": "network_timeout", "request_id": request_id,
                "reason": "the access server did not answer in time"}),
            )
        }
    }
}

/// Authenticates a signed read; the business it was made by, or the answer
/// to give (a refusal, or a store that failed to keep the audit entry).
async fn read_as(s: &Shared, uri: &Uri, headers: &HeaderMap) -> Result<String, Response> {
    let checked = read_check(s, uri, headers);
    durable(s).await?;
    checked.map_err(|r| refusal(&r))
}

fn read_check(s: &Shared, uri: &Uri, headers: &HeaderMap) -> Result<String, crate::check::Refusal> {
    let header = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    let req = HttpRequest {
        method: "GET",
        path: uri.path(),
        timestamp: header(H_TIMESTAMP),
        nonce: header(H_NONCE),
        signature: header(H_SIGNATURE),
        body: b"",
        now: unix_now(),
    };
    lock(&s.gateway).check_read(&req, header(H_BUSINESS))
}

fn unknown(request_id: u64, business: &str) -> Response {
    error(404, json!({"error": "unknown_request", "reason": format!("no call {request_id} of {business:?}")}))
}

async fn get_call(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    Path(request_id): Path<u64>,
) -> Response {
    let business = match read_as(&s, &uri, &headers).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    match lock(&s.calls).get(&request_id).filter(|c| c.business == business) {
        Some(c) => Json(c.clone()).into_response(),
        None => unknown(request_id, &business),
    }
}

/// Sends `m` for the call `request_id` of the business that signed the
/// request (which `check` has already authenticated), 202 when it is sent.
fn follow_up(s: &Shared, request_id: u64, business: &str, m: &OsnMessage) -> Response {
    if lock(&s.calls).get(&request_id).is_none_or(|c| c.business != business) {
        return unknown(request_id, business);
    }
    if s.osn.send(m.emit()).is_err() {
        return error(
            503,
            json!({"error": "network_down", "reason": "the OSN link to the access server is down"}),
        );
    }
    s.frames_sent.fetch_add(1, Ordering::SeqCst);
    (StatusCode::ACCEPTED, Json(json!({"request_id": request_id, "sent": m.label()}))).into_response()
}

fn follow_up_request<'a>(
    uri: &'a Uri,
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> (HttpRequest<'a>, Option<&'a str>) {
    let header = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    let req = HttpRequest {
        method: "POST",
        path: uri.path(),
        timestamp: header(H_TIMESTAMP),
        nonce: header(H_NONCE),
        signature: header(H_SIGNATURE),
        body,
        now: unix_now(),
    };
    (req, header(H_BUSINESS))
}

/// `POST /v1/calls/{id}/cancel` (signed, empty body): the network gives the
/// call up; `cancelled` follows among its statuses.
async fn cancel(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    Path(request_id): Path<u64>,
    body: Bytes,
) -> Response {
    let (req, business) = follow_up_request(&uri, &headers, &body);
    let checked = lock(&s.gateway).check_follow_up(&req, business, None);
    if let Err(answer) = durable(&s).await {
        return answer;
    }
    match checked {
        Ok((business, _)) => {
            follow_up(&s, request_id, &business, &OsnMessage::Cancel { call_id: request_id })
        }
        Err(r) => refusal(&r),
    }
}

/// `POST /v1/calls/{id}/next-representative` (signed, `{"representative":"…"}`):
/// after `representative_unavailable`, the number to try next.
async fn next_representative(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    Path(request_id): Path<u64>,
    body: Bytes,
) -> Response {
    let (req, business) = follow_up_request(&uri, &headers, &body);
    let checked = lock(&s.gateway).check_next_representative(&req, business);
    if let Err(answer) = durable(&s).await {
        return answer;
    }
    match checked {
        Ok((business, representative)) => follow_up(
            &s,
            request_id,
            &business,
            &OsnMessage::NextRepresentative { call_id: request_id, representative },
        ),
        Err(r) => refusal(&r),
    }
}

fn is_final(s: &CallStatus) -> bool {
    matches!(s, CallStatus::Released | CallStatus::Failed { .. } | CallStatus::Cancelled)
}

/// `GET /v1/calls/{id}/events`: the call's statuses as server-sent events
/// (`event: status`, `data:` the status JSON), those so far first; the
/// stream ends after `released`, `failed` or `cancelled`.
async fn call_events(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    Path(request_id): Path<u64>,
) -> Response {
    let business = match read_as(&s, &uri, &headers).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    // Subscribed under the calls lock, which `on_osn` holds while it both
    // records a status and announces it: every status recorded after the
    // first read below wakes the stream. The stream reads what to send from
    // the call's record; the channel only says that there is more. A call
    // that has already ended gets a closed channel (nothing more will come).
    let rx = {
        let calls = lock(&s.calls);
        let Some(c) = calls.get(&request_id).filter(|c| c.business == business) else {
            return unknown(request_id, &business);
        };
        if c.statuses.last().is_some_and(is_final) {
            watch::channel(c.statuses.len()).1
        } else {
            lock(&s.news).entry(request_id).or_insert_with(|| watch::channel(c.statuses.len()).0).subscribe()
        }
    };
    let stream = futures_util::stream::unfold((0usize, rx, false), move |(next, mut rx, done)| {
        let s = Arc::clone(&s);
        async move {
            if done {
                return None;
            }
            let mut closed = false;
            loop {
                let status = lock(&s.calls).get(&request_id).and_then(|c| c.statuses.get(next).cloned());
                if let Some(status) = status {
                    let done = is_final(&status);
                    let event = Event::default().event("status").json_data(&status).unwrap_or_default();
                    return Some((Ok::<_, Infallible>(event), (next + 1, rx, done)));
                }
                if closed || rx.changed().await.is_err() {
                    // One more read above catches a status sent just before the close.
                    if closed {
                        return None;
                    }
                    closed = true;
                }
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

/// `GET /v1/events` (signed like the reads, `X-Ainsim-Business`): every
/// status of the business's calls (those of its signed instructions) from
/// now on, as server-sent events `event: status`, data
/// `{"request_id":N,"status":{…}}`, in the order the network sent them.
/// One stream for all the business's calls instead of one
/// `/v1/calls/{id}/events` each. Not resumable: statuses sent while no
/// stream is open are read with `GET /v1/calls/{id}`.
async fn business_events(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let business = match read_as(&s, &uri, &headers).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    let (tx, rx) = mpsc::unbounded_channel::<String>();
    lock(&s.feeds).entry(business).or_default().push(tx);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let data = rx.recv().await?;
        Some((Ok::<_, Infallible>(Event::default().event("status").data(data)), rx))
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

/// `GET /v1/cdrs` (signed, `X-Ainsim-Business`): the business's CDRs and totals.
async fn cdrs(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let business = match read_as(&s, &uri, &headers).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    let source = lock(&s.cdrs).clone();
    let Some(source) = source else {
        return error(503, json!({"error": "no_billing", "reason": "no billing records are kept here"}));
    };
    match tokio::task::spawn_blocking(move || source.list(&business)).await {
        Ok(Ok(listing)) => Json(listing).into_response(),
        Ok(Err(e)) => error(500, json!({"error": "store", "reason": e})),
        Err(_) => error(500, json!({"error": "internal", "reason": "the listing did not finish"})),
    }
}

/// `PUT /v1/direct` (signed, [`crate::check::DirectSetup`]): the business
/// lets the network take its pages' call requests (Fig. 9) and run the ACD
/// over these representatives, all logged in and available. Replaces an
/// earlier setup (and its calls' bookkeeping).
async fn direct_setup(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let checked =
        check_blocking(&s, "PUT", &uri, &headers, body, |g, req, b| g.check_direct_setup(req, b)).await;
    let (business, setup) = match checked {
        Ok(Ok(x)) => x,
        Ok(Err(r)) => return refusal(&r),
        Err(answer) => return answer,
    };
    let now = s.desk_now();
    let key = lock(&s.gateway).business(&business).and_then(|b| hex::decode(b.signing_key_hex).ok());
    let url = setup.screen_pop_url.clone();
    let pop = match (setup.screen_pop_url, key) {
        (Some(url), Some(key)) => Some(PopTarget { url, key }),
        _ => None,
    };
    let cfg = BusinessConfig {
        business: business.clone(),
        password: setup.password,
        equipment: "network".into(),
        server: String::new(),
        unix_time_at_start: unix_now().saturating_sub(now.0 / 1_000_000),
        seed: 1,
        acd: setup.acd,
    };
    let made = BusinessServer::open(Box::new(MemStore::new()), cfg, now).and_then(|mut server| {
        for rep in setup.representatives {
            let id = rep.id.clone();
            server.put_representative(rep)?;
            server.set_status(now, &id, Status::Available)?;
        }
        Ok(server)
    });
    match made {
        Ok(server) => {
            let n = server.representatives().count();
            lock(&s.desks).insert(
                business.clone(),
                Desk { server, to_desk: BTreeMap::new(), to_front: BTreeMap::new(), pop },
            );
            Json(json!({"business": business, "representatives": n, "screen_pop_url": url})).into_response()
        }
        Err(e) => error(400, json!({"error": "malformed", "reason": e.to_string()})),
    }
}

fn cors(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert("access-control-allow-origin", axum::http::HeaderValue::from_static("*"));
    h.insert("access-control-allow-methods", axum::http::HeaderValue::from_static("POST, OPTIONS"));
    h.insert("access-control-allow-headers", axum::http::HeaderValue::from_static("content-type"));
    r
}

/// The browser's CORS preflight for `POST /v1/call-requests`.
async fn preflight() -> Response {
    cors(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1/call-requests` (Fig. 9, unsigned, from a shopper's browser on
/// the business's page): checked and audited, then the business's desk
/// picks the representative and the network is told.
async fn direct_request(State(s): State<Arc<Shared>>, uri: Uri, body: Bytes) -> Response {
    let req = HttpRequest {
        method: "POST",
        path: uri.path(),
        timestamp: None,
        nonce: None,
        signature: None,
        body: &body,
        now: unix_now(),
    };
    let enabled: std::collections::BTreeSet<String> = lock(&s.desks).keys().cloned().collect();
    let checked = lock(&s.gateway).check_direct_request(&req, |b| enabled.contains(b));
    if let Err(answer) = durable(&s).await {
        return cors(answer);
    }
    let request = match checked {
        Ok(r) => r,
        Err(r) => return cors(refusal(&r)),
    };
    let now = s.desk_now();
    let mut desks = lock(&s.desks);
    let Some(desk) = desks.get_mut(&request.business) else {
        return cors(refusal(&Refusal::DirectNotEnabled { business: request.business }));
    };
    let (call, actions) = match desk.server.equipment_request(now, &request) {
        Ok(x) => x,
        Err(e) => return cors(error(400, json!({"error": "malformed", "reason": e.to_string()}))),
    };
    let mut state = "accepted";
    for a in &actions {
        match a {
            Action::Instruction { .. } => state = "calling",
            Action::Queued { .. } => state = "queued",
            Action::Scheduled { .. } => state = "scheduled",
            Action::Failed { .. } => state = "failed",
            _ => {}
        }
    }
    s.run_desk(&request.business, desk, actions);
    let desk_request = desk.server.call(call).and_then(|c| c.request_id);
    let request_id = desk_request.and_then(|d| desk.to_front.get(&d).copied());
    let agent = desk.server.call(call).and_then(|c| c.agent);
    cors(
        (
            StatusCode::ACCEPTED,
            Json(json!({"call": call.0, "state": state, "request_id": request_id, "representative": agent})),
        )
            .into_response(),
    )
}

fn refusal(r: &crate::check::Refusal) -> Response {
    let mut body = serde_json::to_value(r).unwrap_or_else(|_| json!({}));
    if let Some(o) = body.as_object_mut() {
        o.insert("reason".into(), r.to_string().into());
    }
    error(r.status(), body)
}
