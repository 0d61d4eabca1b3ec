//! Click-to-call in real time, measured: what `ainsim bench` reports as
//! `c2c_sessions_per_s` and `c2c_setup_p50_ms`/`c2c_setup_p99_ms`.
//!
//! [`click_to_call`] starts the whole service with [`serve::start`] over a
//! generated network ([`topology`]: the default's shape, `shoppers` lines on
//! SSP-A and `representatives` lines on SSP-B, every phone answering at once
//! and hanging up [`C2cConfig::holding`] later, trunks and IP ports for
//! every session at once, the business allowed as many calls and
//! instructions as it likes), logs every representative in (ACD wrap-up 0),
//! then `clients` concurrent HTTP clients post `/api/call-requests` to the
//! business web server, each for its own shoppers, a shopper again only
//! once its previous session ended. The [`GatewayLink`]'s status observer
//! tells when each call is bridged (`connected`) and when it ends, so no
//! call is polled.
//!
//! - a session is *completed* when it was connected and then released;
//! - the rate is completed sessions per second of wall time, from the first
//!   request to the last end;
//! - the setup latency is from just before the HTTP request is sent to the
//!   moment the `connected` status reaches the business web server.
//!
//! What it is not: a test (nothing is asserted about speed) or a model of
//! real phones (they answer at once).
//!
//! [`GatewayLink`]: crate::GatewayLink

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ainsim_business::acd::AcdConfig;
use ainsim_business::{demo as abc, CallId, Contact, Location, Representative};
use ainsim_elements::osn::CallStatus;
use ainsim_runtime::topology::Topology;
use ainsim_wire::Variant;
use tokio::sync::oneshot;

use crate::link::lock;
use crate::serve::{self, ServeConfig};

/// The scale of a run.
#[derive(Debug, Clone)]
pub struct C2cConfig {
    /// Subscriber lines on SSP-A the shoppers use.
    pub shoppers: usize,
    /// Representatives, each a line on SSP-B, all logged in.
    pub representatives: usize,
    /// Concurrent HTTP clients (each owns `shoppers / clients` shoppers).
    pub clients: usize,
    /// Sessions to complete.
    pub sessions: u64,
    /// How long a phone talks after answering. The shopper's hanging up
    /// ends the session, so a bridge later than this after the shopper
    /// answered is lost; by Little's law the rate is at most
    /// `clients / (holding + setup)`.
    pub holding: Duration,
    /// Give up after this long (what completed by then is reported).
    pub deadline: Duration,
    pub variant: Option<Variant>,
}

impl C2cConfig {
    /// A few seconds.
    pub fn quick() -> Self {
        C2cConfig {
            shoppers: 128,
            representatives: 80,
            clients: 64,
            sessions: 400,
            holding: Duration::from_millis(200),
            deadline: Duration::from_secs(30),
            variant: None,
        }
    }

    /// The full run.
    pub fn full() -> Self {
        C2cConfig {
            shoppers: 960,
            representatives: 600,
            clients: 480,
            sessions: 10_000,
            holding: Duration::from_millis(100),
            deadline: Duration::from_secs(90),
            variant: None,
        }
    }
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct C2cReport {
    /// Sessions connected then released.
    pub sessions: u64,
    /// Call requests posted.
    pub requests: u64,
    /// Requests that ended without being bridged (refused, failed,
    /// cancelled) or did not end before the deadline.
    pub lost: u64,
    /// Wall time from the first request to the last end, seconds.
    pub wall_s: f64,
    pub sessions_per_s: f64,
    /// Request → `connected` at the business web server, milliseconds.
    pub setup_p50_ms: Option<f64>,
    pub setup_p99_ms: Option<f64>,
    pub setup_max_ms: Option<f64>,
    /// Of `lost`: the business web server did not take the request.
    pub refused: u64,
    /// Of `lost`: still not ended at the deadline.
    pub timed_out: u64,
    /// Up to five distinct reasons calls failed for.
    pub failures: Vec<String>,
    /// CPU time the whole process used (every thread, user and system)
    /// from the first request to the last end, per completed session, in
    /// milliseconds: what a session costs whatever else the machine runs
    /// (`2 000 / cpu_ms_per_session` sessions/s would fill two cores).
    /// `None` where `/proc/self/stat` cannot be read.
    pub cpu_ms_per_session: Option<f64>,
}

/// CPU time of this process so far (user + system, every thread), in
/// seconds, from `/proc/self/stat` (Linux; fields 14 and 15 in clock ticks
/// of 1/100 s, the fixed `USER_HZ` of the proc interface).
fn process_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// The shopper lines' numbers.
fn shopper(i: usize) -> String {
    format!("201556{i:04}")
}

/// The representatives' lines' numbers.
fn representative(i: usize) -> String {
    format!("212556{i:04}")
}

/// The generated network (TOML, docs/topology.md): the default's shape
/// with `shoppers` lines on SSP-A and `reps` on SSP-B, no SSP-C and no
/// MTSO, every phone answering at once and hanging up `holds` later.
pub fn topology(shoppers: usize, reps: usize, holds: Duration) -> String {
    let lines = |n: usize, f: fn(usize) -> String| {
        (0..n).map(|i| format!("\"{}\"", f(i))).collect::<Vec<_>>().join(", ")
    };
    let circuits = (shoppers.max(reps) * 2).max(8);
    let mut t = format!(
        r#"name = "c2c-bench"
variant = "ansi"
number_length = 10
capability_point_code = "1-2-3"

[links]
ss7 = "2ms"
line = "1ms"
osn = "1ms"

[[stp]]
name = "STP-1"
point_code = "1-2-1"

[[stp]]
name = "STP-2"
point_code = "1-2-2"

[[ssp]]
name = "SSP-A"
point_code = "1-1-1"
lines = [{a}]

[[ssp]]
name = "SSP-B"
point_code = "1-1-2"
lines = [{b}]

[iscp]
name = "ISCP"
point_code = "1-3-1"
originating_ssp = "SSP-A"
global_title = "8885550000"

[ip]
name = "IP"
point_code = "1-3-2"
host = "SSP-B"
circuits = {circuits}

[[trunk_group]]
between = ["SSP-A", "SSP-B"]
circuits = {circuits}

[access_server]
name = "ACCESS"
listen = "127.0.0.1:0"

[[access_server.businesses]]
id = "ABC"
# argon2id of "cruise-2027" (docs/osn.md)
password_hash = "$argon2id$v=19$m=19456,t=2,p=1$QUJDLWV4YW1wbGUtc2FsdA$dQtu5vV5W9cfgx4mZAAU8Vrq2D9L2qfpvhdrH0/3f+M"
announcement = "please-hold"
max_concurrent = 1000000
rate_limit = 100000000
"#,
        a = lines(shoppers, shopper),
        b = lines(reps, representative),
    );
    // The session ends when the shopper hangs up (the representative's
    // hanging up releases only their own leg): the shoppers hang up
    // `holds` after answering, which is also the time the bridge has.
    let holds = holds.as_millis();
    for n in (0..shoppers).map(shopper).chain((0..reps).map(representative)) {
        let _ = write!(
            t,
            "\n[[phone]]\nnumber = \"{n}\"\nwhen_called = {{ do = \"answer\", after = \"0s\" }}\nholding = \"{holds}ms\"\n"
        );
    }
    t
}

/// How a session ended.
#[derive(Debug, Clone, Copy)]
struct End {
    bridged: bool,
    at: Instant,
}

#[derive(Default)]
struct Track {
    connected: HashMap<u64, Instant>,
    waiting: HashMap<u64, oneshot::Sender<End>>,
    ended: HashMap<u64, End>,
    failures: Vec<String>,
}

impl Track {
    fn status(&mut self, call: CallId, status: &CallStatus) {
        let now = Instant::now();
        let bridged = match status {
            CallStatus::Connected => {
                self.connected.insert(call.0, now);
                return;
            }
            CallStatus::Released => self.connected.contains_key(&call.0),
            CallStatus::Failed { reason } => {
                if self.failures.len() < 5 && !self.failures.contains(reason) {
                    self.failures.push(reason.clone());
                }
                false
            }
            CallStatus::Cancelled => false,
            _ => return,
        };
        let end = End { bridged, at: now };
        match self.waiting.remove(&call.0) {
            Some(tx) => {
                let _ = tx.send(end);
            }
            None => {
                self.ended.insert(call.0, end);
            }
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Runs the service and drives it. See the module docs.
///
/// # Errors
/// The service did not start, or a representative could not log in.
pub fn click_to_call(cfg: &C2cConfig) -> Result<C2cReport, String> {
    let shoppers = cfg.shoppers.max(cfg.clients * 2).max(2);
    let topo =
        Topology::parse(&topology(shoppers, cfg.representatives.max(1), cfg.holding), "c2c-bench.toml")
            .map_err(|e| e.to_string())?;
    let mut sc = ServeConfig::new(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    sc.topology = Some(topo);
    sc.variant = cfg.variant;
    sc.shopper_holds = cfg.holding;
    sc.front_rate_limit = u32::MAX;
    // The bench measures the Fig. 7 path; 600 representatives would not fit a desk's setup body.
    sc.fig9_desk = false;
    sc.acd = Some(AcdConfig { wrap_up_ms: 0, ..AcdConfig::default() });
    let cruise = |i: usize| Representative {
        id: format!("rep-{i}"),
        name: format!("Representative {i}"),
        office: Some(Contact::Phone(representative(i))),
        home: None,
        location: Location::Office,
        skills: [("cruise".to_owned(), 1u8)].into_iter().collect(),
    };
    sc.representatives = Some((0..cfg.representatives.max(1)).map(cruise).collect());
    let served = serve::start(sc).map_err(|e| e.to_string())?;
    for i in 0..cfg.representatives.max(1) {
        let id = format!("rep-{i}");
        let actions = served
            .state
            .with_server(|s, now| s.set_status(now, &id, ainsim_business::Status::Available))
            .map_err(|e| format!("{id} cannot log in: {e}"))?;
        served.state.dispatch(actions);
    }
    let track = Arc::new(Mutex::new(Track::default()));
    let t = Arc::clone(&track);
    served.link.observe(Arc::new(move |call, status| lock(&t).status(call, status)));

    let base = format!("http://{}/api/call-requests", served.web);
    let clients = cfg.clients.max(1);
    let report = served.block_on(async {
        let issued = Arc::new(AtomicU64::new(0));
        let cpu_before = process_cpu_s();
        let started = Instant::now();
        let stop_at = started + cfg.deadline;
        let mut tasks = Vec::new();
        for c in 0..clients {
            let mine: Vec<Vec<u8>> = (c..shoppers)
                .step_by(clients)
                .map(|i| {
                    let mut r = abc::cruise_request();
                    r.customer_number = Some(shopper(i));
                    serde_json::to_vec(&r).unwrap_or_default()
                })
                .collect();
            let (issued, track, base, sessions) =
                (Arc::clone(&issued), Arc::clone(&track), base.clone(), cfg.sessions);
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut setups = Vec::new();
                let (mut done, mut requests, mut lost, mut last) = (0u64, 0u64, 0u64, None::<Instant>);
                let (mut refused, mut timed_out) = (0u64, 0u64);
                for body in mine.iter().cycle() {
                    if issued.fetch_add(1, Ordering::Relaxed) >= sessions || Instant::now() >= stop_at {
                        break;
                    }
                    requests += 1;
                    let t0 = Instant::now();
                    let resp = http
                        .post(&base)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    let answer: Option<serde_json::Value> = match resp {
                        Ok(r) if r.status().as_u16() == 202 => r.json().await.ok(),
                        _ => None,
                    };
                    let Some(call) =
                        answer.as_ref().and_then(|a| a.get("call")).and_then(serde_json::Value::as_u64)
                    else {
                        lost += 1;
                        refused += 1;
                        continue;
                    };
                    let rx = {
                        let mut tr = lock(&track);
                        match tr.ended.remove(&call) {
                            Some(end) => Err(end),
                            None => {
                                let (tx, rx) = oneshot::channel();
                                tr.waiting.insert(call, tx);
                                Ok(rx)
                            }
                        }
                    };
                    let end = match rx {
                        Err(end) => Some(end),
                        Ok(rx) => tokio::time::timeout(stop_at.saturating_duration_since(Instant::now()), rx)
                            .await
                            .ok()
                            .and_then(Result::ok),
                    };
                    let connected = lock(&track).connected.remove(&call);
                    match (end, connected) {
                        (Some(End { bridged: true, at }), Some(c)) => {
                            done += 1;
                            setups.push(c.saturating_duration_since(t0).as_secs_f64() * 1e3);
                            last = Some(last.map_or(at, |l| l.max(at)));
                        }
                        (None, _) => {
                            lost += 1;
                            timed_out += 1;
                        }
                        _ => lost += 1,
                    }
                }
                (done, requests, lost, last, setups, refused, timed_out)
            }));
        }
        let mut r = C2cReport::default();
        let mut setups = Vec::new();
        let mut last = started;
        for t in tasks {
            if let Ok((done, requests, lost, l, s, refused, timed_out)) = t.await {
                r.refused += refused;
                r.timed_out += timed_out;
                r.sessions += done;
                r.requests += requests;
                r.lost += lost;
                last = l.map_or(last, |l| l.max(last));
                setups.extend(s);
            }
        }
        r.wall_s = last.saturating_duration_since(started).as_secs_f64();
        if let (Some(a), Some(b)) = (cpu_before, process_cpu_s()) {
            if r.sessions > 0 {
                r.cpu_ms_per_session = Some((b - a) * 1e3 / r.sessions as f64);
            }
        }
        r.sessions_per_s = if r.wall_s > 0.0 { r.sessions as f64 / r.wall_s } else { 0.0 };
        setups.sort_by(f64::total_cmp);
        r.setup_p50_ms = percentile(&setups, 0.50);
        r.setup_p99_ms = percentile(&setups, 0.99);
        r.setup_max_ms = setups.last().copied();
        r.failures = lock(&track).failures.clone();
        r
    });
    served.shutdown();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_network_loads() {
        let t = Topology::parse(&topology(4, 3, Duration::from_millis(20)), "c2c-bench.toml")
            .expect("the bench topology parses");
        t.plan(None).expect("and plans");
    }

    #[test]
    fn the_process_cpu_time_is_read_and_grows() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return;
        }
        let a = process_cpu_s().expect("/proc/self/stat parses");
        let mut x = 0u64;
        let t = Instant::now();
        while t.elapsed() < Duration::from_millis(60) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let b = process_cpu_s().expect("/proc/self/stat parses");
        assert!(b > a, "{a} then {b} after 60 ms of spinning");
    }

    #[test]
    fn percentiles_of_a_sorted_list() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), Some(50.0));
        assert_eq!(percentile(&v, 0.99), Some(99.0));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
