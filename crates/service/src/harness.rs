//! The whole click-to-call service in simulated time, with real HTTP.
//!
//! A [`Harness`] runs, in one process:
//!
//! - the business web server (`ainsim-web`: ABC Travel's shop, console and
//!   API, its ACD) on a loopback port, its clock set to simulated time;
//! - the access server's HTTP front (`ainsim-gateway`: signatures, nonces,
//!   rate, argon2 password, number policy, audit) on another, with its
//!   store in sled;
//! - the [`GatewayLink`] between them (signed requests, status streams);
//! - the emulated network (`ainsim-runtime`, default topology unless told)
//!   in the deterministic simulator, its access server joined to the front
//!   by a real OSN/TCP connection through a bridge node `WEB`.
//!
//! Simulated time only moves when the outside world has settled
//! ([`Harness::settle`]): every frame the front wrote has been read, every
//! request of the link has been answered except the instructions the
//! network has yet to answer, and every status the network sent has reached
//! the business server. Frames from the front enter the network at the
//! simulated time they were read, so a run with the same seed and the same
//! requests gives the same frames at the same times, however slowly the
//! real sockets move.
//!
//! What it is not: real time (that is `ainsim serve`), or TLS (the front
//! speaks plain HTTP on loopback here).

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ainsim_billing::{feed, save, Billing, Directory};
use ainsim_business::{demo as abc, BusinessServer};
use ainsim_elements::access::hash_password;
use ainsim_elements::osn::{CallStatus, OsnMessage};
use ainsim_elements::{Element, Input, Instant, NodeId, Outputs, Port};
use ainsim_gateway::{Gateway, GatewayBusiness, GatewayConfig, Running, ServerConfig};
use ainsim_runtime::topology::{Network, Plan, Topology, ACCESS_CLIENT_PORT};
use ainsim_runtime::{LinkKind, LinkModel};
use ainsim_store::SledStore;
use ainsim_web::{router, ManualClock, WebState};
use ainsim_wire::Variant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;

use crate::link::{lock, GatewayLink, SseBuffer};
use crate::live_billing::SledCdrs;
use crate::open_store;

/// How long the harness waits for the real sockets to settle before it
/// calls the run stuck.
const SETTLE_LIMIT: Duration = Duration::from_secs(20);
/// The bridge's port toward the access server.
const TO_ACCESS: Port = Port(0);
/// Where the harness hands the bridge what the front sent.
const FROM_FRONT: Port = Port(1);
/// The access server's address in the business's instructions.
pub const EQUIPMENT: &str = "127.0.0.1";
/// Unix time at simulated time zero (2027-01-15 10:00 UTC): fixed, so runs repeat.
pub const UNIX_AT_START: u64 = 1_800_000_000;

/// What went wrong building or running the harness.
pub type HarnessError = crate::ServiceError;

/// What to build.
#[derive(Debug, Clone)]
pub struct HarnessConfig {
    pub topology: Topology,
    pub variant: Variant,
    pub seed: u64,
    /// The flights expert works from home (on the mobile behind the MTSO).
    pub flights_at_home: bool,
    /// Requests per minute the front allows ABC.
    pub rate_limit: u32,
    /// The password ABC's web server sends (the front and the network know
    /// `cruise-2027`); `None` sends the right one.
    pub password: Option<String>,
}

impl HarnessConfig {
    /// The default topology (the seed's Fig. 1), ITU, seed 1.
    pub fn new() -> Self {
        HarnessConfig {
            topology: Topology::default_fig1(),
            variant: Variant::Itu,
            seed: 1,
            flights_at_home: false,
            rate_limit: 10,
            password: None,
        }
    }
}

impl Default for HarnessConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// The frames the bridge node got from the access server.
type Outbox = Arc<Mutex<VecDeque<Vec<u8>>>>;

/// The network's end of the business's OSN connection: what the harness
/// injects on [`FROM_FRONT`] goes to the access server; what the access
/// server sends waits in the outbox for the harness.
struct Bridge {
    outbox: Outbox,
}

impl Element for Bridge {
    fn name(&self) -> &str {
        "WEB"
    }

    fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Recv { port: FROM_FRONT, bytes } => out.send(TO_ACCESS, bytes.to_vec()),
            Input::Recv { port: TO_ACCESS, bytes } => lock(&self.outbox).push_back(bytes.to_vec()),
            _ => {}
        }
    }
}

/// Frames the front wrote, as read off the socket.
#[derive(Default)]
struct Inbox {
    frames: VecDeque<Vec<u8>>,
    /// Every frame read so far.
    read: u64,
    /// The request ids of the call instructions among them.
    instructions: Vec<u64>,
    /// The connection broke (with why).
    broken: Option<String>,
}

/// One line of the run's transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Simulated time.
    pub at: Instant,
    /// Who: `browser`, `console`, `web→front`, `front`.
    pub who: String,
    pub text: String,
}

/// The service, assembled. See the module docs.
pub struct Harness {
    rt: tokio::runtime::Runtime,
    pub net: Network,
    pub plan: Plan,
    pub variant: Variant,
    bridge: NodeId,
    outbox: Outbox,
    inbox: Arc<Mutex<Inbox>>,
    osn: OwnedWriteHalf,
    pub web: WebState,
    clock: Arc<ManualClock>,
    pub link: GatewayLink,
    pub front: Running,
    web_addr: SocketAddr,
    http: reqwest::Client,
    /// Instruction answers written to the front (first answer per call).
    answers_out: u64,
    answered: BTreeSet<u64>,
    /// Statuses written that the front passes on (up to each call's final one).
    statuses_out: u64,
    finished: BTreeSet<u64>,
    web_next: Option<Instant>,
    steps: Vec<Step>,
    statuses: Vec<(Instant, u64, CallStatus)>,
    consoles: Arc<Mutex<Vec<(String, String, String)>>>,
    /// Every console event the web server emitted, to know when the
    /// consoles' streams have caught up.
    console_feed: tokio::sync::broadcast::Receiver<ainsim_web::ConsoleEvent>,
    /// Events emitted per agent whose console is open.
    console_emitted: std::collections::BTreeMap<String, u64>,
    /// The network's billing records (what `GET /v1/cdrs` lists).
    cdrs: Arc<Mutex<SledStore>>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("web", &self.web_addr)
            .field("now", &self.now())
            .finish_non_exhaustive()
    }
}

fn io(what: &str) -> impl Fn(std::io::Error) -> HarnessError + '_ {
    move |e| HarnessError::Io(format!("{what}: {e}"))
}

impl Harness {
    /// Builds everything, with its sled databases under `dir`, and starts
    /// the network (1 s of simulated time for the links to come up).
    ///
    /// # Errors
    /// The topology, a store, a socket, or the front refuses to start.
    pub fn start(cfg: &HarnessConfig, dir: &Path) -> Result<Self, HarnessError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(io("tokio"))?;
        let plan = cfg.topology.plan(Some(cfg.variant)).map_err(|e| HarnessError::Topology(e.to_string()))?;
        let mut net = plan.simulate(cfg.seed).map_err(HarnessError::Topology)?;
        let access = net
            .node("ACCESS")
            .ok_or_else(|| HarnessError::Topology("the topology has no access server named ACCESS".into()))?;
        let outbox = Outbox::default();
        let bridge = net
            .sim
            .add_node("WEB", Bridge { outbox: Arc::clone(&outbox) })
            .map_err(|e| HarnessError::Topology(e.to_string()))?;
        net.sim
            .link(
                (bridge, TO_ACCESS),
                (access, ACCESS_CLIENT_PORT),
                LinkKind::Osn,
                LinkModel::fixed(Duration::from_millis(1)),
            )
            .map_err(|e| HarnessError::Topology(e.to_string()))?;
        net.sim.tap_pcap_memory();

        // The business's shared key with the front, from the seed (no secret here).
        let key: Vec<u8> = format!("abc-signing-key-{}", cfg.seed).into_bytes();
        let password_hash =
            hash_password("cruise-2027", b"abc-front-salt", 19_456, 2).map_err(HarnessError::Front)?;
        let mut gateway = Gateway::new(GatewayConfig::default(), Box::new(open_store(dir, "front")?));
        gateway
            .register(&GatewayBusiness {
                id: "ABC".into(),
                password_hash,
                signing_key_hex: hex::encode(&key),
                rate_limit: cfg.rate_limit,
                rate_window_s: 60,
                allow_premium: false,
                allow_international: false,
            })
            .map_err(|e| HarnessError::Front(e.to_string()))?;

        let cdrs = Arc::new(Mutex::new(open_store(dir, "cdr")?));
        let clock = Arc::new(ManualClock::default());
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let (osn, front, link, web, web_addr, web_feed) = rt.block_on(async {
            // The access server's OSN client port, for the front to connect to.
            let osn_listener =
                tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(io("OSN listener"))?;
            let osn_addr = osn_listener.local_addr().map_err(io("OSN listener"))?;
            let accept = tokio::spawn(async move { osn_listener.accept().await });
            let front = ainsim_gateway::start(
                ServerConfig {
                    listen: "127.0.0.1:0".parse().map_err(|_| HarnessError::Io("address".into()))?,
                    tls: None,
                    access_server: osn_addr,
                },
                gateway,
            )
            .await
            .map_err(|e| HarnessError::Front(e.to_string()))?;
            let (stream, _) = accept
                .await
                .map_err(|e| HarnessError::Io(format!("OSN accept: {e}")))?
                .map_err(io("OSN accept"))?;
            let _ = stream.set_nodelay(true);
            let (rd, wr) = stream.into_split();
            tokio::spawn(read_front(rd, Arc::clone(&inbox)));

            let link = GatewayLink::new(&format!("http://{}", front.addr), "ABC", &key, false)
                .map_err(|e| HarnessError::Front(e.to_string()))?;
            let mut settings = abc::config(EQUIPMENT, UNIX_AT_START, cfg.seed);
            if let Some(p) = &cfg.password {
                settings.password.clone_from(p);
            }
            let mut business =
                BusinessServer::open(Box::new(open_store(dir, "business")?), settings, Instant::ZERO)
                    .map_err(|e| HarnessError::Business(e.to_string()))?;
            for rep in abc::representatives(cfg.flights_at_home) {
                business.put_representative(rep).map_err(|e| HarnessError::Business(e.to_string()))?;
            }
            let web = WebState::new(business, Arc::clone(&clock) as _, Arc::new(link.clone()));
            web.accept_network_pops("ABC", &key);
            link.attach(web.clone());
            let web_feed = web.subscribe();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(io("web listener"))?;
            let web_addr = listener.local_addr().map_err(io("web listener"))?;
            let app = router(web.clone());
            tokio::spawn(async move { axum::serve(listener, app).await });
            Ok::<_, HarnessError>((wr, front, link, web, web_addr, web_feed))
        })?;
        let mut h = Harness {
            rt,
            net,
            plan,
            variant: cfg.variant,
            bridge,
            outbox,
            inbox,
            osn,
            web,
            clock,
            link,
            front,
            web_addr,
            http: reqwest::Client::new(),
            answers_out: 0,
            answered: BTreeSet::new(),
            statuses_out: 0,
            finished: BTreeSet::new(),
            web_next: None,
            steps: Vec::new(),
            statuses: Vec::new(),
            consoles: Arc::default(),
            console_feed: web_feed,
            console_emitted: std::collections::BTreeMap::new(),
            cdrs,
        };
        h.front.set_cdrs(Arc::new(SledCdrs(Arc::clone(&h.cdrs))));
        h.net.sim.start();
        h.run_until(Instant::ZERO.after(Duration::from_secs(1)))?;
        Ok(h)
    }

    /// Simulated now.
    pub fn now(&self) -> Instant {
        self.net.sim.now()
    }

    /// The business web server's address (the shop is at `/`).
    pub fn web_addr(&self) -> SocketAddr {
        self.web_addr
    }

    /// Notes a line in the transcript at the current simulated time.
    pub fn note(&mut self, who: &str, text: impl Into<String>) {
        self.steps.push(Step { at: self.now(), who: who.into(), text: text.into() });
    }

    /// Every call status the access server sent the business side:
    /// (simulated time, the front's request id, status).
    pub fn statuses(&self) -> &[(Instant, u64, CallStatus)] {
        &self.statuses
    }

    /// The transcript so far.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// A real HTTP request to the business web server; the world settles
    /// before it returns. Returns the status and the body (JSON, or the
    /// text as a JSON string).
    ///
    /// # Errors
    /// The request could not be made, or the world did not settle.
    pub fn http(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, serde_json::Value), HarnessError> {
        let m = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| HarnessError::Http {
            method: method.into(),
            path: path.into(),
            err: e.to_string(),
        })?;
        let mut req = self.http.request(m, format!("http://{}{path}", self.web_addr));
        if let Some(b) = body {
            req = req.json(b);
        }
        let (status, body) = self.exchange(req, method, path)?;
        self.settle()?;
        Ok((status, body))
    }

    /// Sends `req` and reads its answer: the status and the body as JSON (or
    /// as a JSON string when it is not JSON).
    fn exchange(
        &self,
        req: reqwest::RequestBuilder,
        method: &str,
        path: &str,
    ) -> Result<(u16, serde_json::Value), HarnessError> {
        let err = |e: reqwest::Error| HarnessError::Http {
            method: method.into(),
            path: path.into(),
            err: e.to_string(),
        };
        let (status, text) = self.rt.block_on(async {
            let resp = req.send().await.map_err(err)?;
            let status = resp.status().as_u16();
            Ok::<_, HarnessError>((status, resp.text().await.map_err(err)?))
        })?;
        Ok((status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))))
    }

    /// Opens `agent`'s console event stream (real SSE), collected for
    /// [`Harness::console_events`]. Open consoles before the calls they
    /// should see: a pop replayed on connect is not waited for.
    pub fn open_console(&mut self, agent: &str) {
        self.console_emitted.entry(agent.to_owned()).or_insert(0);
        let url = format!("http://{}/api/representatives/{agent}/events", self.web_addr);
        let (http, sink, agent) = (self.http.clone(), Arc::clone(&self.consoles), agent.to_owned());
        let (tx, rx) = std::sync::mpsc::channel();
        self.rt.spawn(async move {
            let Ok(mut resp) = http.get(url).send().await else { return };
            let mut sse = SseBuffer::default();
            while let Ok(Some(chunk)) = resp.chunk().await {
                for (event, data) in sse.push(&chunk) {
                    let hello = event == "hello";
                    lock(&sink).push((agent.clone(), event, data));
                    if hello {
                        let _ = tx.send(());
                    }
                }
            }
        });
        // The stream is open once its first event came.
        let _ = rx.recv_timeout(SETTLE_LIMIT);
    }

    /// Every console event so far: (agent, event, data), in order per agent.
    pub fn console_events(&self) -> Vec<(String, String, String)> {
        lock(&self.consoles).clone()
    }

    /// Waits (in real time) until the world outside the simulator has settled.
    ///
    /// # Errors
    /// It did not settle within [`SETTLE_LIMIT`], or the OSN connection broke.
    pub fn settle(&mut self) -> Result<(), HarnessError> {
        let deadline = std::time::Instant::now() + SETTLE_LIMIT;
        let mut waited = Duration::ZERO;
        loop {
            loop {
                match self.console_feed.try_recv() {
                    Ok(ev) => {
                        if let Some(n) = self.console_emitted.get_mut(&ev.agent) {
                            *n += 1;
                        }
                    }
                    Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {}
                    Err(_) => break,
                }
            }
            let what = self.unsettled()?;
            let Some(what) = what else {
                for e in self.link.take_log() {
                    self.note("web→front", format!("{}: {}", e.call, e.text));
                }
                return Ok(());
            };
            if std::time::Instant::now() >= deadline {
                return Err(HarnessError::Stuck { at: self.now(), what, limit: SETTLE_LIMIT });
            }
            // Short naps first: most hops take well under a millisecond.
            let nap = if waited < Duration::from_millis(2) {
                Duration::from_micros(50)
            } else {
                Duration::from_millis(1)
            };
            std::thread::sleep(nap);
            waited += nap;
        }
    }

    fn unsettled(&self) -> Result<Option<String>, HarnessError> {
        let (read, instructions) = {
            let inbox = lock(&self.inbox);
            if let Some(why) = &inbox.broken {
                return Err(HarnessError::Io(format!("the front's OSN connection broke: {why}")));
            }
            // The business's own instructions (a Fig. 9 desk's are the front's).
            let own = inbox.instructions.iter().filter(|id| !self.front.is_desk_call(**id)).count();
            (inbox.read, own as u64)
        };
        let sent = self.front.frames_sent();
        if read != sent {
            return Ok(Some(format!("the front's frames ({read} of {sent} read)")));
        }
        let (queued, done) = self.front.screen_pops();
        if queued != done {
            return Ok(Some(format!("the front's screen pops ({done} of {queued} finished)")));
        }
        let link = self.link.counts();
        let waiting_for_network = instructions.saturating_sub(self.answers_out);
        if link.in_flight() != waiting_for_network {
            return Ok(Some(format!(
                "the business's requests ({} in flight, {waiting_for_network} waiting for the network)",
                link.in_flight()
            )));
        }
        if link.statuses != self.statuses_out {
            return Ok(Some(format!(
                "the call statuses ({} of {} delivered)",
                link.statuses, self.statuses_out
            )));
        }
        let consoles = lock(&self.consoles);
        for (agent, emitted) in &self.console_emitted {
            let seen = consoles.iter().filter(|(a, e, _)| a == agent && e != "hello").count() as u64;
            if seen < *emitted {
                return Ok(Some(format!("{agent}'s console ({seen} of {emitted} events)")));
            }
        }
        Ok(None)
    }

    /// Feeds the frames the front wrote into the network, now.
    fn inject(&mut self) {
        let frames: Vec<Vec<u8>> = lock(&self.inbox).frames.drain(..).collect();
        for f in frames {
            if let Ok(m) = OsnMessage::parse(&f) {
                self.note("front→network", describe(&m));
            }
            self.net.sim.inject(self.bridge, FROM_FRONT, f);
        }
    }

    /// Writes what the access server sent to the front.
    fn deliver(&mut self) -> Result<(), HarnessError> {
        let frames: Vec<Vec<u8>> = lock(&self.outbox).drain(..).collect();
        if frames.is_empty() {
            return Ok(());
        }
        for f in &frames {
            let m = OsnMessage::parse(f);
            if let Ok(m) = &m {
                self.note("network→front", describe(m));
            }
            match m {
                Ok(OsnMessage::CallInstructionResult { request_id, .. })
                    if !self.front.is_desk_call(request_id) && self.answered.insert(request_id) =>
                {
                    self.answers_out += 1;
                }
                Ok(OsnMessage::CallStatus { call_id, status }) => {
                    self.statuses.push((self.now(), call_id, status.clone()));
                    // A Fig. 9 desk's calls are followed by the front itself.
                    if !self.finished.contains(&call_id) && !self.front.is_desk_call(call_id) {
                        self.statuses_out += 1;
                        if matches!(
                            status,
                            CallStatus::Released | CallStatus::Failed { .. } | CallStatus::Cancelled
                        ) {
                            self.finished.insert(call_id);
                        }
                    }
                }
                _ => {}
            }
        }
        let osn = &mut self.osn;
        self.rt
            .block_on(async {
                for f in &frames {
                    osn.write_all(f).await?;
                }
                osn.flush().await
            })
            .map_err(io("OSN write to the front"))
    }

    /// Runs simulated time up to `until`, settling the outside world at
    /// every step.
    ///
    /// # Errors
    /// As [`Harness::settle`].
    pub fn run_until(&mut self, until: Instant) -> Result<(), HarnessError> {
        self.run_while(until, |_| true).map(|_| ())
    }

    /// Runs simulated time while `go` holds, up to `until`; returns whether
    /// it stopped because `go` turned false.
    ///
    /// # Errors
    /// As [`Harness::settle`].
    pub fn run_while(
        &mut self,
        until: Instant,
        mut go: impl FnMut(&Harness) -> bool,
    ) -> Result<bool, HarnessError> {
        loop {
            self.settle()?;
            self.inject();
            if !go(self) {
                return Ok(true);
            }
            let next = [self.net.sim.next_event_time(), self.web_next].into_iter().flatten().min();
            let Some(next) = next.filter(|t| *t <= until) else {
                if self.now() < until {
                    self.net.sim.run_until(until);
                    self.tick_web();
                    self.deliver()?;
                }
                self.settle()?;
                return Ok(false);
            };
            self.net.sim.run_until(next.max(self.now()));
            self.tick_web();
            self.deliver()?;
        }
    }

    fn tick_web(&mut self) {
        self.clock.set(self.now());
        self.web_next = self.web.tick().ok().flatten();
    }

    /// Runs for `d` of simulated time.
    ///
    /// # Errors
    /// As [`Harness::settle`].
    pub fn run_for(&mut self, d: Duration) -> Result<(), HarnessError> {
        let until = self.now().after(d);
        self.run_until(until)
    }

    /// Writes the billing records of the run so far (every leg and
    /// click-to-call session, finished or not) into the network's CDR
    /// store, under `run`; returns how many.
    ///
    /// # Errors
    /// The store failed.
    pub fn record_cdrs(&mut self, run: &str) -> Result<usize, HarnessError> {
        let mut billing = Billing::new(run, Directory::from_plan(&self.plan));
        feed(&mut billing, &self.net);
        let records = billing.finish();
        save(&mut *lock(&self.cdrs), &records)
            .map_err(|e| HarnessError::Store { path: "cdr".into(), err: e.to_string() })?;
        Ok(records.len())
    }

    /// A signed `GET` at the front as the business (e.g. `/v1/cdrs`).
    ///
    /// # Errors
    /// The request failed on the way.
    pub fn front_get(&mut self, path: &str) -> Result<(u16, serde_json::Value), HarnessError> {
        let link = self.link.clone();
        let r = self.rt.block_on(async move { link.get(path).await });
        r.map_err(|err| HarnessError::Http { method: "GET".into(), path: path.into(), err })
    }

    /// The business lets the network take its pages' requests (Fig. 9):
    /// a signed `PUT /v1/direct` with its representatives, its password,
    /// and `screen_pop_url` (its own `/api/screen-pops` when `Some("")`).
    ///
    /// # Errors
    /// The request failed on the way, or the world did not settle.
    pub fn direct_setup(
        &mut self,
        screen_pop_url: Option<&str>,
    ) -> Result<(u16, serde_json::Value), HarnessError> {
        let url = screen_pop_url.map(|u| {
            if u.is_empty() {
                format!("http://{}/api/screen-pops", self.web_addr)
            } else {
                u.to_owned()
            }
        });
        let body = crate::serve::direct_setup_body("cruise-2027", abc::representatives(false), url);
        let link = self.link.clone();
        let r = self.rt.block_on(async move { link.put("/v1/direct", body).await });
        let r =
            r.map_err(|err| HarnessError::Http { method: "PUT".into(), path: "/v1/direct".into(), err })?;
        self.settle()?;
        Ok(r)
    }

    /// The shopper's browser posts `body` to the front's `path`, unsigned
    /// (`/v1/call-requests`, Fig. 9); the world settles before it returns.
    ///
    /// # Errors
    /// The request failed on the way, or the world did not settle.
    pub fn front_post(
        &mut self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<(u16, serde_json::Value), HarnessError> {
        let url = format!("http://{}{path}", self.front.addr);
        let (status, answer) = self.exchange(self.http.post(url).json(body), "POST", path)?;
        self.note("browser→front", format!("POST {path} -> {status}"));
        self.settle()?;
        Ok((status, answer))
    }

    /// Stops the servers.
    pub fn shutdown(self) {
        self.front.shutdown();
        self.rt.shutdown_background();
    }
}

/// One OSN message in a line: `call_status 1 connected`.
pub fn describe(m: &OsnMessage) -> String {
    match m {
        OsnMessage::CallInstruction { request_id, business, customer, representative, .. } => {
            format!("call_instruction {request_id}: business {business}, customer {customer}, representative {representative}")
        }
        OsnMessage::CallInstructionResult { request_id, result } => {
            let r = serde_json::to_string(result).unwrap_or_default();
            format!("call_instruction_result {request_id}: {r}")
        }
        OsnMessage::CallStatus { call_id, status } => {
            let st = serde_json::to_value(status).unwrap_or_default();
            let name = st.get("state").and_then(|s| s.as_str()).unwrap_or("?").to_owned();
            let rest: Vec<String> = st
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| k.as_str() != "state")
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            if rest.is_empty() {
                format!("call_status {call_id}: {name}")
            } else {
                format!("call_status {call_id}: {name} ({})", rest.join(", "))
            }
        }
        other => other.label(),
    }
}

/// Reads the front's OSN frames into the inbox.
async fn read_front(mut rd: tokio::net::tcp::OwnedReadHalf, inbox: Arc<Mutex<Inbox>>) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = match rd.read(&mut chunk).await {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) => {
                lock(&inbox).broken = Some(e.to_string());
                return;
            }
        };
        buf.extend_from_slice(&chunk[..n]);
        loop {
            match OsnMessage::split(&buf) {
                Ok(Some(len)) => {
                    let frame: Vec<u8> = buf.drain(..len).collect();
                    let instruction = match OsnMessage::parse(&frame) {
                        Ok(OsnMessage::CallInstruction { request_id, .. }) => Some(request_id),
                        _ => None,
                    };
                    let mut i = lock(&inbox);
                    i.read += 1;
                    i.instructions.extend(instruction);
                    i.frames.push_back(frame);
                }
                Ok(None) => break,
                Err(e) => {
                    lock(&inbox).broken = Some(e.to_string());
                    return;
                }
            }
        }
    }
}
