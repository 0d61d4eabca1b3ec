//! The whole click-to-call service in real time: what `ainsim serve` runs.
//!
//! [`start`] builds, on its own tokio runtime:
//!
//! - the network (the default topology, the seed's Fig. 1, unless told)
//!   on the real-time runtime (`Plan::run`), its access server's OSN
//!   client port listening on TCP;
//! - the access server's HTTP(S) front (`ainsim-gateway`), its store in
//!   sled, ABC registered with an argon2 hash of its password and a fresh
//!   random signing key; TLS when a certificate and key are configured;
//! - the business's [`GatewayLink`] to the front;
//! - ABC Travel's business web server (`ainsim-web`: the shop, the console,
//!   the live view, the API), its store in sled, its representatives, its
//!   clock the system's, its timers running;
//! - a [`NetworkView`] for the live view (`/network`): the elements, the
//!   links, the calls in progress (click-to-call sessions as the OSN tells
//!   them, subscriber lines as their switches report them) and the ladder
//!   of the latest call, drawn with `ainsim_runtime::ladder` from the
//!   frames of the runtime's wire tap.
//!
//! Every phone the topology gives no holding time hangs up
//! [`ServeConfig::shopper_holds`] after it answers, so calls end on their
//! own.
//!
//! What it is not: simulated or reproducible (that is [`crate::Harness`]),
//! or a production web server (no authentication of shop or console).

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ainsim_business::acd::AcdConfig;
use ainsim_business::{demo as abc, BusinessServer, Representative};
use ainsim_elements::access::hash_password;
use ainsim_elements::osn::{CallStatus, OsnMessage};
use ainsim_elements::ssp::LINE_EVENT_BASE;
use ainsim_elements::{EventKind, Instant};
use ainsim_gateway::{Gateway, GatewayBusiness, GatewayConfig, ServerConfig};
use ainsim_runtime::ladder;
use ainsim_runtime::rt::{RtEvent, Tap, WireRecord};
use ainsim_runtime::topology::{NodeSpec, Plan, Topology};
use ainsim_runtime::LinkKind;
use ainsim_web::{router, ElementView, LinkView, NetworkSnapshot, NetworkView, SystemClock, WebState};
use ainsim_wire::Variant;
use tokio::sync::mpsc;

use crate::link::{lock, GatewayLink};
use crate::live_billing::{LiveBilling, SledCdrs};
use crate::open_store;

/// The business web server's default address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// How long a phone talks after it answers, unless the topology says.
pub const DEFAULT_SHOPPER_HOLDS: Duration = Duration::from_secs(45);
/// Instructions per minute the front allows ABC.
pub const RATE_LIMIT: u32 = 30;
/// Frames kept for the ladder of the latest call.
pub const LADDER_ROWS: usize = 600;

/// What to run.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The business web server: shop `/`, console `/console`, live view `/network`.
    pub listen: SocketAddr,
    /// The access server's HTTP(S) front (port 0: any free port).
    pub front_listen: SocketAddr,
    /// The access server's OSN client port, where the front connects (port 0: any).
    pub access_listen: SocketAddr,
    /// Where the sled databases live; `None`: a fresh temporary directory,
    /// removed at shutdown.
    pub data_dir: Option<PathBuf>,
    /// The network; the default (Fig. 1) when `None`.
    pub topology: Option<Topology>,
    /// Overrides the topology's variant.
    pub variant: Option<Variant>,
    /// PEM certificate chain and private key for the front; none: plain HTTP.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// How long a phone (the shopper's, and any other the topology gives no
    /// holding time) talks before it hangs up.
    pub shopper_holds: Duration,
    /// The flights expert works from home (on the mobile behind the MTSO).
    pub flights_at_home: bool,
    /// The business's representatives; ABC's two (the demo's) when `None`.
    pub representatives: Option<Vec<Representative>>,
    /// The business's ACD; the default when `None`.
    pub acd: Option<AcdConfig>,
    /// Instructions per minute the front allows the business.
    pub front_rate_limit: u32,
    /// The business also lets the network take its pages' requests
    /// straight (Fig. 9, `POST /v1/call-requests` at the front) with the
    /// network's own ACD over its representatives, popping the consoles
    /// through `/api/screen-pops`; set up at start with a signed
    /// `PUT /v1/direct`.
    pub fig9_desk: bool,
}

impl ServeConfig {
    /// Everything on loopback, the web server on `listen`, the rest on free ports.
    pub fn new(listen: SocketAddr) -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        ServeConfig {
            listen,
            front_listen: any,
            access_listen: any,
            data_dir: None,
            topology: None,
            variant: None,
            tls: None,
            shopper_holds: DEFAULT_SHOPPER_HOLDS,
            flights_at_home: false,
            representatives: None,
            acd: None,
            front_rate_limit: RATE_LIMIT,
            fig9_desk: true,
        }
    }

    /// Reads a `--config` file (TOML, docs/serve.md); relative paths in it
    /// are taken from the file's directory.
    ///
    /// # Errors
    /// The file cannot be read, is not TOML of the right shape (the error
    /// names the file, the line and the key), or names a topology that
    /// does not load.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: None,
            key: String::new(),
            message: e.to_string(),
        })?;
        Self::parse(&text, path)
    }

    /// Parses a config file's `text`, read from `path`.
    ///
    /// # Errors
    /// As [`ServeConfig::load`].
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let err = |line: Option<usize>, key: &str, message: String| ConfigError {
            file: file.clone(),
            line,
            key: key.into(),
            message,
        };
        let de = toml::Deserializer::parse(text)
            .map_err(|e| err(e.span().and_then(|s| line_of(text, s.start)), "", e.message().into()))?;
        let f: ServeFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let key = if key == "." { String::new() } else { key };
            err(inner.span().and_then(|s| line_of(text, s.start)), &key, inner.message().into())
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        let here = |p: &str| {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                base.join(p)
            }
        };
        let addr = |key: &str, v: Option<String>, default: SocketAddr| match v {
            None => Ok(default),
            Some(a) => a.parse::<SocketAddr>().map_err(|_| {
                err(find_line(text, key), key, format!("{a:?} is not an address:port such as 127.0.0.1:8080"))
            }),
        };
        let mut cfg = ServeConfig::new(addr("listen", f.listen, default_listen())?);
        cfg.front_listen = addr("front_listen", f.front_listen, cfg.front_listen)?;
        cfg.access_listen = addr("access_listen", f.access_listen, cfg.access_listen)?;
        cfg.data_dir = f.data_dir.as_deref().map(here);
        cfg.variant = f.variant;
        cfg.flights_at_home = f.flights_at_home;
        if let Some(d) = f.shopper_holds {
            cfg.shopper_holds = d;
        }
        if let Some(t) = f.tls {
            cfg.tls = Some((here(&t.cert), here(&t.key)));
        }
        if let Some(t) = f.topology {
            let p = here(&t);
            cfg.topology = Some(Topology::load(&p).map_err(|e| {
                err(find_line(text, "topology"), "topology", format!("{}: {e}", p.display()))
            })?);
        }
        Ok(cfg)
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// The `--config` file (docs/serve.md).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeFile {
    listen: Option<String>,
    front_listen: Option<String>,
    access_listen: Option<String>,
    data_dir: Option<String>,
    topology: Option<String>,
    variant: Option<Variant>,
    #[serde(default, with = "ainsim_elements::ssp::config::humane_opt")]
    shopper_holds: Option<Duration>,
    #[serde(default)]
    flights_at_home: bool,
    tls: Option<TlsFile>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert: String,
    key: String,
}

fn line_of(text: &str, offset: usize) -> Option<usize> {
    (offset <= text.len()).then(|| text[..offset].matches('\n').count() + 1)
}

/// The line where `key = …` is written, if it is.
fn find_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('=')))
        .map(|i| i + 1)
}

/// A bad `--config` file: which file, line and key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default(), if key.is_empty() { String::new() } else { format!(": {key}") })]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    /// The key at fault (`tls.cert`), empty when the file as a whole is wrong.
    pub key: String,
    pub message: String,
}

/// What went wrong starting the service.
pub type ServeError = crate::ServiceError;

/// The service, running. Dropping it without [`Served::shutdown`] leaves
/// the runtime to be dropped with it (which stops every task too).
pub struct Served {
    rt: tokio::runtime::Runtime,
    /// The business web server's address (shop `/`, console `/console`, live view `/network`).
    pub web: SocketAddr,
    /// The access server's HTTP(S) front.
    pub front: SocketAddr,
    /// `http://…` or `https://…` of the front.
    pub front_url: String,
    /// The access server's OSN client port.
    pub access: SocketAddr,
    /// Where the sled databases are.
    pub data_dir: PathBuf,
    /// The data directory is temporary (removed at shutdown).
    pub data_dir_is_temp: bool,
    /// The network's variant.
    pub variant: Variant,
    /// The business web server's state.
    pub state: WebState,
    pub link: GatewayLink,
    front_running: ainsim_gateway::Running,
    network: Option<ainsim_runtime::rt::Running>,
    _temp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("web", &self.web)
            .field("front", &self.front)
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

impl Served {
    /// The shop's URL.
    pub fn shop_url(&self) -> String {
        format!("http://{}/", self.web)
    }

    /// The representative console's URL.
    pub fn console_url(&self) -> String {
        format!("http://{}/console", self.web)
    }

    /// The live view's URL.
    pub fn network_url(&self) -> String {
        format!("http://{}/network", self.web)
    }

    /// Runs `f` on the service's runtime until it ends (e.g. Ctrl-C).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Stops everything (open browser connections are cut).
    pub fn shutdown(mut self) {
        self.front_running.shutdown();
        if let Some(n) = self.network.take() {
            n.shutdown();
        }
        self.rt.shutdown_timeout(Duration::from_secs(2));
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn random<const N: usize>() -> Result<[u8; N], ServeError> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| ServeError::Io(format!("no random numbers: {e}")))?;
    Ok(b)
}

/// Starts the service. See the module docs.
///
/// # Errors
/// The topology, a store, an address that cannot be bound, the front's
/// TLS files.
pub fn start(cfg: ServeConfig) -> Result<Served, ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Io(format!("tokio: {e}")))?;
    let (temp, data_dir) = match &cfg.data_dir {
        Some(d) => {
            std::fs::create_dir_all(d)
                .map_err(|e| ServeError::Io(format!("data dir {}: {e}", d.display())))?;
            (None, d.clone())
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("ainsim-serve-")
                .tempdir()
                .map_err(|e| ServeError::Io(format!("temporary directory: {e}")))?;
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    };
    let topology = cfg.topology.clone().unwrap_or_else(Topology::default_fig1);
    let plan = topology.plan(cfg.variant).map_err(|e| ServeError::Topology(e.to_string()))?;
    let plan = with_holding(plan, cfg.shopper_holds);
    let access_name = plan
        .nodes
        .iter()
        .find(|(_, s)| matches!(s, NodeSpec::Access(_)))
        .map(|(n, _)| n.clone())
        .ok_or_else(|| ServeError::Topology("the topology has no [access_server]".into()))?;

    let key: [u8; 32] = random()?;
    let salt: [u8; 16] = random()?;
    let password_hash = hash_password("cruise-2027", &salt, 19_456, 2).map_err(ServeError::Front)?;
    let mut gateway = Gateway::new(GatewayConfig::default(), Box::new(open_store(&data_dir, "front")?));
    gateway
        .register(&GatewayBusiness {
            id: "ABC".into(),
            password_hash,
            signing_key_hex: hex::encode(key),
            rate_limit: cfg.front_rate_limit,
            rate_window_s: 60,
            allow_premium: false,
            allow_international: false,
        })
        .map_err(|e| ServeError::Front(e.to_string()))?;
    let business_store = open_store(&data_dir, "business")?;

    let live = Arc::new(LiveView::new(&plan, cfg.tls.is_some()));
    let cdr_store = Arc::new(Mutex::new(open_store(&data_dir, "cdr")?));
    let billing = Arc::new(LiveBilling::new(&format!("serve-{}", unix_now()), &plan, Arc::clone(&cdr_store)));
    let tls = cfg.tls.clone();
    let started = rt.block_on(async {
        let (wires_tx, wires_rx) = mpsc::unbounded_channel();
        let (mut running, bound) = plan
            .run(Some(Tap::with_wires(wires_tx)), Some(cfg.access_listen))
            .await
            .map_err(ServeError::Topology)?;
        live.started(std::time::Instant::now());
        let (_, closed) = mpsc::unbounded_channel();
        let events = std::mem::replace(&mut running.events, closed);
        tokio::spawn(Arc::clone(&live).follow(wires_rx, events, Arc::clone(&billing)));
        let saver = Arc::clone(&billing);
        tokio::spawn(async move {
            // Finished CDRs reach sled within a second.
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if let Err(e) = saver.flush() {
                    tracing::warn!("{e}");
                }
            }
        });
        let access = bound
            .iter()
            .find(|(n, _)| *n == access_name)
            .map(|(_, a)| *a)
            .ok_or_else(|| ServeError::Topology("the access server did not listen".into()))?;

        let scheme = if tls.is_some() { "https" } else { "http" };
        let front = ainsim_gateway::start(
            ServerConfig { listen: cfg.front_listen, tls, access_server: access },
            gateway,
        )
        .await
        .map_err(|e| ServeError::Front(e.to_string()))?;
        front.set_cdrs(Arc::new(SledCdrs(Arc::clone(&cdr_store))));
        let front_url = format!("{scheme}://{}", front.addr);
        // The front is this process's own, on loopback: its certificate is not checked.
        let link = GatewayLink::new(&front_url, "ABC", &key, scheme == "https")
            .map_err(|e| ServeError::Front(e.to_string()))?;
        // Nobody takes the transcript here: it would only grow.
        link.keep_transcript(false);

        let clock = SystemClock::new();
        let mut config = abc::config(&front.addr.ip().to_string(), unix_now(), u64::from_le_bytes(random()?));
        if let Some(acd) = &cfg.acd {
            config.acd = acd.clone();
        }
        let mut business = BusinessServer::open(Box::new(business_store), config, Instant::ZERO)
            .map_err(|e| ServeError::Business(e.to_string()))?;
        let reps = cfg.representatives.clone().unwrap_or_else(|| abc::representatives(cfg.flights_at_home));
        for rep in reps {
            business.put_representative(rep).map_err(|e| ServeError::Business(e.to_string()))?;
        }
        let web = WebState::new(business, Arc::new(clock), Arc::new(link.clone()));
        web.accept_network_pops("ABC", &key);
        link.attach(web.clone());
        web.set_network_view(Arc::clone(&live) as Arc<dyn NetworkView>);
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .map_err(|e| ServeError::Listen { addr: cfg.listen, err: e.to_string() })?;
        let web_addr =
            listener.local_addr().map_err(|e| ServeError::Listen { addr: cfg.listen, err: e.to_string() })?;
        tokio::spawn(web.clone().run_timers());
        let app = router(web.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("business web server: {e}");
            }
        });
        if cfg.fig9_desk {
            let pops = format!("http://{web_addr}/api/screen-pops");
            let reps =
                cfg.representatives.clone().unwrap_or_else(|| abc::representatives(cfg.flights_at_home));
            let body = direct_setup_body(&abc::config("", 0, 0).password, reps, Some(pops));
            match link.put("/v1/direct", body).await {
                Ok((200, _)) => {}
                Ok((status, answer)) => {
                    return Err(ServeError::Front(format!(
                        "PUT /v1/direct (Fig. 9 desk) -> {status}: {answer}"
                    )))
                }
                Err(e) => return Err(ServeError::Front(format!("PUT /v1/direct (Fig. 9 desk): {e}"))),
            }
        }
        Ok::<_, ServeError>((running, access, front, front_url, link, web, web_addr))
    })?;
    let (running, access, front_running, front_url, link, state, web) = started;
    Ok(Served {
        rt,
        web,
        front: front_running.addr,
        front_url,
        access,
        data_dir,
        data_dir_is_temp: temp.is_some(),
        variant: plan.variant,
        state,
        link,
        front_running,
        network: Some(running),
        _temp: temp,
    })
}

/// The body of `PUT /v1/direct` for a business with `password` and
/// `representatives`, popping its consoles at `screen_pop_url`.
pub fn direct_setup_body(
    password: &str,
    representatives: Vec<Representative>,
    screen_pop_url: Option<String>,
) -> Vec<u8> {
    let setup = ainsim_gateway::check::DirectSetup {
        password: password.to_owned(),
        representatives,
        acd: AcdConfig::default(),
        screen_pop_url,
    };
    serde_json::to_vec(&setup).unwrap_or_default()
}

/// Gives every phone without a holding time `holds`.
fn with_holding(mut plan: Plan, holds: Duration) -> Plan {
    for (_, spec) in &mut plan.nodes {
        if let NodeSpec::Phone(s) = spec {
            s.holding.get_or_insert(holds);
        }
    }
    plan
}

/// A click-to-call session as the OSN between the access server and the
/// ISCP tells it.
#[derive(Debug, Clone)]
struct Session {
    business: String,
    customer: String,
    representative: String,
    state: String,
    since: Instant,
}

/// A subscriber line busy with a call, as its switch reports it.
#[derive(Debug, Clone)]
struct LineCall {
    what: String,
    state: &'static str,
    since: Instant,
}

/// The frames of the latest call.
#[derive(Debug, Default)]
struct Latest {
    title: String,
    columns: Vec<String>,
    rows: VecDeque<WireRecord>,
    /// Frames left out beyond [`LADDER_ROWS`].
    cut: u64,
}

#[derive(Debug, Default)]
struct Live {
    sessions: BTreeMap<u64, Session>,
    lines: BTreeMap<(String, u64), LineCall>,
    latest: Option<Latest>,
}

/// The live view's [`NetworkView`]: fed by the runtime's wire tap and
/// event stream.
pub struct LiveView {
    variant: Variant,
    elements: Vec<ElementView>,
    links: Vec<LinkView>,
    /// (switch, line index) → subscriber number.
    numbers: BTreeMap<(String, u32), String>,
    /// Subscriber number → switch.
    switch_of: BTreeMap<String, String>,
    /// Column order for ladders: STPs, SCPs, IPs, access servers.
    stps: Vec<String>,
    scps: Vec<String>,
    ips: Vec<String>,
    accesses: Vec<String>,
    epoch: Mutex<Option<std::time::Instant>>,
    live: Mutex<Live>,
}

impl std::fmt::Debug for LiveView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveView").field("elements", &self.elements.len()).finish_non_exhaustive()
    }
}

fn kind_of(spec: &NodeSpec) -> &'static str {
    match spec {
        NodeSpec::Ssp(_) => "ssp",
        NodeSpec::Stp(_) => "stp",
        NodeSpec::Iscp { .. } => "scp",
        NodeSpec::Ip(_) => "ip",
        NodeSpec::Mtso(_) => "mtso",
        NodeSpec::Access(_) => "access",
        NodeSpec::Phone(_) => "phone",
    }
}

impl LiveView {
    /// The view of `plan`'s network (no calls yet).
    pub fn new(plan: &Plan, front_tls: bool) -> Self {
        let mut elements: Vec<ElementView> = plan
            .nodes
            .iter()
            .map(|(n, s)| ElementView { name: n.clone(), kind: kind_of(s).into() })
            .collect();
        let names = |k: &str| -> Vec<String> {
            plan.nodes.iter().filter(|(_, s)| kind_of(s) == k).map(|(n, _)| n.clone()).collect()
        };
        let (stps, scps, ips, accesses) = (names("stp"), names("scp"), names("ip"), names("access"));
        let mut links: Vec<LinkView> = Vec::new();
        for l in &plan.links {
            let v = LinkView { a: l.a.0.clone(), b: l.b.0.clone(), kind: l.kind.name().into() };
            if !links.contains(&v) {
                links.push(v);
            }
        }
        // The business side, outside the topology.
        elements.push(ElementView { name: "FRONT".into(), kind: "http front".into() });
        elements.push(ElementView { name: "WEB".into(), kind: "business web server".into() });
        for a in &accesses {
            links.push(LinkView { a: "FRONT".into(), b: a.clone(), kind: "osn/tcp".into() });
        }
        let web_front = if front_tls { "https" } else { "http" };
        links.push(LinkView { a: "WEB".into(), b: "FRONT".into(), kind: web_front.into() });
        let numbers = plan.lines.iter().map(|(n, (sw, i))| ((sw.clone(), *i), n.clone())).collect();
        let switch_of = plan.lines.iter().map(|(n, (sw, _))| (n.clone(), sw.clone())).collect();
        LiveView {
            variant: plan.variant,
            elements,
            links,
            numbers,
            switch_of,
            stps,
            scps,
            ips,
            accesses,
            epoch: Mutex::new(None),
            live: Mutex::new(Live::default()),
        }
    }

    fn started(&self, at: std::time::Instant) {
        *lock(&self.epoch) = Some(at);
    }

    fn now(&self) -> Instant {
        lock(&self.epoch)
            .map_or(Instant::ZERO, |e| Instant(u64::try_from(e.elapsed().as_micros()).unwrap_or(u64::MAX)))
    }

    /// Reads the tap and the events until both end, showing them and
    /// handing them to `billing`.
    async fn follow(
        self: Arc<Self>,
        mut wires: mpsc::UnboundedReceiver<WireRecord>,
        mut events: mpsc::UnboundedReceiver<RtEvent>,
        billing: Arc<LiveBilling>,
    ) {
        let (mut wires_open, mut events_open) = (true, true);
        while wires_open || events_open {
            tokio::select! {
                w = wires.recv(), if wires_open => match w {
                    Some(w) => {
                        billing.wire(&w);
                        self.wire(w);
                    }
                    None => wires_open = false,
                },
                e = events.recv(), if events_open => match e {
                    Some(e) => {
                        billing.event(&e);
                        self.event(&e);
                    }
                    None => events_open = false,
                },
            }
        }
    }

    /// One frame on a wire.
    pub fn wire(&self, w: WireRecord) {
        let mut live = lock(&self.live);
        if w.kind == Some(LinkKind::Osn) {
            match OsnMessage::parse(&w.bytes) {
                Ok(OsnMessage::CallSetup { call_id, business, customer, representative, .. }) => {
                    live.latest = Some(Latest {
                        title: format!(
                            "click-to-call #{call_id} ({business}): {customer} → {representative}"
                        ),
                        columns: self.columns(&customer, &representative),
                        ..Latest::default()
                    });
                    live.sessions.insert(
                        call_id,
                        Session {
                            business,
                            customer,
                            representative,
                            state: "setting up".into(),
                            since: w.at,
                        },
                    );
                }
                Ok(OsnMessage::CallStatus { call_id, status })
                    if self.accesses.iter().any(|a| **a == *w.to) =>
                {
                    if matches!(
                        status,
                        CallStatus::Released | CallStatus::Failed { .. } | CallStatus::Cancelled
                    ) {
                        live.sessions.remove(&call_id);
                    } else if let Some(s) = live.sessions.get_mut(&call_id) {
                        s.state = status_name(&status);
                    }
                }
                Ok(OsnMessage::NextRepresentative { call_id, representative }) => {
                    if let Some(s) = live.sessions.get_mut(&call_id) {
                        s.representative = representative;
                    }
                }
                _ => {}
            }
        }
        if let Some(l) = &mut live.latest {
            if l.rows.len() >= LADDER_ROWS {
                l.rows.pop_front();
                l.cut += 1;
            }
            l.rows.push_back(w);
        }
    }

    /// One event of an element.
    pub fn event(&self, e: &RtEvent) {
        if let EventKind::Dropped { reason, hex } = &e.event.kind {
            tracing::warn!("{}: dropped: {reason}: {hex}", e.source);
        }
        let Some(c) = e.event.call.filter(|c| *c >= LINE_EVENT_BASE) else { return };
        let key = (e.source.clone(), c);
        let mut live = lock(&self.live);
        let state = match &e.event.kind {
            EventKind::CallAttempt { from, to } => {
                let what = format!("{from} → {to}");
                let lone = live.sessions.is_empty();
                let entry =
                    live.lines.entry(key).or_insert(LineCall { what: String::new(), state: "", since: e.at });
                entry.what = what.clone();
                entry.state = "calling";
                entry.since = e.at;
                // A call a phone placed itself (not part of a click-to-call).
                if lone {
                    live.latest = Some(Latest {
                        title: format!("call {what}"),
                        columns: vec![from.clone()],
                        ..Latest::default()
                    });
                }
                return;
            }
            EventKind::Alerting => "ringing",
            EventKind::Answered => "talking",
            EventKind::Released { .. } => {
                live.lines.remove(&key);
                return;
            }
            _ => return,
        };
        let line = u32::try_from(c - LINE_EVENT_BASE).unwrap_or(u32::MAX);
        let number =
            self.numbers.get(&(e.source.clone(), line)).cloned().unwrap_or_else(|| format!("line {line}"));
        let entry = live.lines.entry(key).or_insert(LineCall { what: number, state, since: e.at });
        entry.state = state;
        entry.since = e.at;
    }

    fn columns(&self, customer: &str, representative: &str) -> Vec<String> {
        // A phone's element is named by its number (the plan's node is `tel:…`).
        let mut c = vec![customer.to_owned()];
        c.extend(self.switch_of.get(customer).cloned());
        c.extend(self.stps.iter().cloned());
        c.extend(self.scps.iter().cloned());
        c.extend(self.switch_of.get(representative).cloned());
        c.extend(self.ips.iter().cloned());
        c.push(representative.to_owned());
        c.extend(self.accesses.iter().cloned());
        c
    }
}

fn status_name(s: &CallStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.get("state").and_then(|x| x.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn ago(now: Instant, since: Instant) -> String {
    format!("{} s", now.0.saturating_sub(since.0) / 1_000_000)
}

impl NetworkView for LiveView {
    fn snapshot(&self) -> NetworkSnapshot {
        let now = self.now();
        let live = lock(&self.live);
        let mut calls: Vec<String> = live
            .sessions
            .iter()
            .map(|(id, s)| {
                format!(
                    "click-to-call #{id} ({}): {} → {}: {} (started {} ago)",
                    s.business,
                    s.customer,
                    s.representative,
                    s.state,
                    ago(now, s.since)
                )
            })
            .collect();
        calls.extend(
            live.lines.iter().map(|((sw, _), l)| {
                format!("line {} at {sw}: {}, for {}", l.what, l.state, ago(now, l.since))
            }),
        );
        let ladder = match &live.latest {
            None => String::new(),
            Some(l) => {
                let mut opts = ladder::Options::new(self.variant);
                opts.column_width = 22;
                opts.columns.clone_from(&l.columns);
                let rows = l.rows.iter().filter_map(|r| {
                    r.kind.map(|kind| ladder::Row {
                        at: r.at,
                        from: &r.from,
                        to: &r.to,
                        kind,
                        bytes: &r.bytes,
                        lost: false,
                    })
                });
                let cut =
                    if l.cut > 0 { format!(" ({} earlier frames not shown)", l.cut) } else { String::new() };
                format!("{}{cut}\n\n{}", l.title, ladder::render(rows, &opts))
            }
        };
        NetworkSnapshot { elements: self.elements.clone(), links: self.links.clone(), calls, ladder }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_names_file_line_and_key() {
        let p = Path::new("/etc/ainsim/serve.toml");
        let e = ServeConfig::parse("listen = \"127.0.0.1:9000\"\nshoper_holds = \"30s\"\n", p).unwrap_err();
        assert_eq!(e.file, "/etc/ainsim/serve.toml");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("shoper_holds"), "{e}");
        let e = ServeConfig::parse("[tls]\ncert = \"c.pem\"\nkey = 7\n", p).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(3), "tls.key"), "{e}");
        let e = ServeConfig::parse("\nlisten = \"localhost\"\n", p).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(2), "listen"), "{e}");
        assert!(e.to_string().starts_with("/etc/ainsim/serve.toml:2: listen: "), "{e}");
    }

    #[test]
    fn a_config_file_sets_what_it_names_and_paths_are_from_its_directory() {
        let text = "listen = \"127.0.0.1:0\"\nfront_listen = \"127.0.0.1:8443\"\ndata_dir = \"data\"\n\
                    variant = \"ansi\"\nshopper_holds = \"30s\"\n[tls]\ncert = \"c.pem\"\nkey = \"/k.pem\"\n";
        let c = ServeConfig::parse(text, Path::new("/srv/ainsim/serve.toml")).unwrap();
        assert_eq!(c.listen, "127.0.0.1:0".parse().unwrap());
        assert_eq!(c.front_listen, "127.0.0.1:8443".parse().unwrap());
        assert_eq!(c.data_dir, Some(PathBuf::from("/srv/ainsim/data")));
        assert_eq!(c.variant, Some(Variant::Ansi));
        assert_eq!(c.shopper_holds, Duration::from_secs(30));
        assert_eq!(c.tls, Some((PathBuf::from("/srv/ainsim/c.pem"), PathBuf::from("/k.pem"))));
        let d = ServeConfig::parse("", Path::new("x.toml")).unwrap();
        assert_eq!(d.listen, default_listen());
        assert_eq!(d.shopper_holds, DEFAULT_SHOPPER_HOLDS);
    }
}
