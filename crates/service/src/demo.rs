//! The story of `ainsim demo`: a shopper on ABC Travel's cruise page
//! presses "Talk to a customer service representative", and everything the
//! seed describes happens, in simulated time, through the real servers of a
//! [`Harness`]:
//!
//! 1. the representatives log in (console API) and their consoles open
//!    their event streams (SSE);
//! 2. the shopper's browser loads `/cruises` and posts the call request
//!    (Fig. 7) to the business web server;
//! 3. the ACD picks the cruise expert; the console pops with the shopper
//!    and the pages they viewed;
//! 4. the business server signs the call initiation message (Fig. 8) and
//!    posts it to the access server's front, which checks it and hands it
//!    over the OSN;
//! 5. the network calls the shopper (2015550100) first, the IP plays
//!    "please hold…", the representative (2125550142) is called over ISUP
//!    through the STPs and answers, and the SSP bridges them;
//! 6. after the conversation the representative posts the order;
//! 7. the CDRs are written to sled.
//!
//! [`run`] returns a [`DemoReport`] with the transcript, the ladder of
//! every SS7 frame and OSN message, the CDRs and one [`Check`] per part of
//! the story. The same seed gives the same report, byte for byte.

use std::time::Duration;

use ainsim_billing::{Listing, Record, SessionOutcome};
use ainsim_business::demo as abc;
use ainsim_elements::osn::CallStatus;
use ainsim_elements::Instant;
use ainsim_runtime::ladder;
use ainsim_runtime::topology::{phone_name, Topology};
use ainsim_runtime::LinkKind;
use ainsim_wire::Variant;
use serde_json::json;

use crate::harness::{Harness, HarnessConfig, HarnessError, Step};

/// The representative of the story (the cruise expert's office line).
pub const REPRESENTATIVE: &str = "2125550142";
/// How long after answering the shopper hangs up (about a minute of
/// conversation once the announcement and the representative's ringing are
/// over).
pub const SHOPPER_HOLDS: Duration = Duration::from_secs(70);

/// What the demo runs on.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub variant: Variant,
    pub seed: u64,
    /// A topology of the same shape as the default (its numbers, `ACCESS`,
    /// business ABC); the default's Fig. 1 when `None`.
    pub topology: Option<Topology>,
}

/// One part of the story and whether it happened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    pub what: String,
    pub ok: bool,
    /// The evidence, or what was seen instead.
    pub detail: String,
}

/// Everything the demo saw.
#[derive(Debug)]
pub struct DemoReport {
    pub variant: Variant,
    pub seed: u64,
    /// The transcript, in simulated time.
    pub steps: Vec<Step>,
    /// Console events per representative, in order: (agent, event, data).
    pub console: Vec<(String, String, String)>,
    /// The ladder of the call: every SS7 frame and OSN message.
    pub ladder: String,
    /// Every frame of the run (pcap, link types MTP2/MTP3 as the links are).
    pub pcap: Vec<u8>,
    /// The CDRs as read back from sled, with per-business totals.
    pub cdrs: Listing,
    pub checks: Vec<Check>,
}

impl DemoReport {
    /// Every part of the story happened.
    pub fn ok(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }
}

fn check(what: &str, ok: bool, detail: impl Into<String>) -> Check {
    Check { what: what.into(), ok, detail: detail.into() }
}

/// Runs the story with its sled databases in a fresh temporary directory.
///
/// # Errors
/// Something could not be built or got stuck (a story that runs but goes
/// wrong is a report with failed checks, not an error).
pub fn run(opts: &DemoOptions) -> Result<DemoReport, HarnessError> {
    let dir = tempfile::tempdir().map_err(|e| HarnessError::Io(format!("temporary directory: {e}")))?;
    let mut topology = opts.topology.clone().unwrap_or_else(Topology::default_fig1);
    // The shopper ends the conversation (the calling side clears: REL 16).
    topology.phone_mut(abc::SHOPPER).holding = Some(SHOPPER_HOLDS);
    let cfg = HarnessConfig { topology, variant: opts.variant, seed: opts.seed, ..HarnessConfig::new() };
    let mut h = Harness::start(&cfg, dir.path())?;
    let report = story(&mut h, opts);
    h.shutdown();
    report
}

fn story(h: &mut Harness, opts: &DemoOptions) -> Result<DemoReport, HarnessError> {
    // The start-up (circuit group resets) is not part of the story's ladder.
    let _ = h.net.sim.take_trace();
    let mut checks = Vec::new();

    for rep in ["cruise-1", "flights-1"] {
        let (status, body) = h.http("POST", &format!("/api/representatives/{rep}/login"), None)?;
        let name = body.get("name").and_then(|n| n.as_str()).unwrap_or("?").to_owned();
        h.note(
            "console",
            format!("{rep} ({name}) logs in: POST /api/representatives/{rep}/login -> {status}"),
        );
        h.open_console(rep);
    }

    let (status, page) = h.http("GET", "/cruises", None)?;
    let button = page.as_str().is_some_and(|p| p.contains("Talk to a customer service representative"));
    h.note("browser", format!("the shopper opens the cruise page: GET /cruises -> {status}"));
    checks.push(check(
        "the shop's cruise page offers \"Talk to a customer service representative\"",
        status == 200 && button,
        format!("GET /cruises -> {status}"),
    ));

    h.run_for(Duration::from_secs(2))?;
    let request = serde_json::to_value(abc::cruise_request()).unwrap_or_default();
    let (status, answer) = h.http("POST", "/api/call-requests", Some(&request))?;
    h.note(
        "browser",
        format!("the shopper presses the button: POST /api/call-requests (customer {}, page /cruises) -> {status} {answer}", abc::SHOPPER),
    );
    let call = answer.get("call").and_then(serde_json::Value::as_u64);
    let state = answer.get("state").and_then(|s| s.as_str()).unwrap_or_default().to_owned();
    checks.push(check(
        "the business web server took the call request and its ACD chose a representative",
        status == 202 && state == "calling",
        format!("{status} {answer}"),
    ));
    let agent =
        call.and_then(|c| h.web.with_server(|s, _| s.call(ainsim_business::CallId(c))).and_then(|c| c.agent));
    checks.push(check(
        "the ACD picked the cruise expert for the cruise page",
        agent.as_deref() == Some("cruise-1"),
        format!("picked {}", agent.as_deref().unwrap_or("nobody")),
    ));

    // The network does its part; the call ends when the representative hangs up.
    let limit = h.now().after(Duration::from_secs(300));
    let finished = |h: &Harness| {
        call.and_then(|c| h.web.with_server(|s, _| s.call(ainsim_business::CallId(c))))
            .is_some_and(|c| c.finished)
    };
    h.run_while(limit, |h| !finished(h))?;

    let order = json!({
        "representative": "cruise-1",
        "result": {"kind": "order", "lines": [
            {"item": "Caribbean cruise, 7 nights, balcony cabin", "quantity": 2, "unit_price_cents": 189_900}
        ]}
    });
    let (status, rec) = match call {
        Some(c) => h.http("POST", &format!("/api/calls/{c}/result"), Some(&order))?,
        None => (0, serde_json::Value::Null),
    };
    h.note(
        "console",
        format!(
            "cruise-1 sends back what came of the call: POST /api/calls/{}/result (an order) -> {status}",
            call.unwrap_or(0)
        ),
    );
    let (_, orders) = h.http("GET", "/api/orders", None)?;
    let n_orders = orders.as_array().map_or(0, Vec::len);
    checks.push(check(
        "the representative's order reached the business web server",
        status == 201 && n_orders == 1,
        format!(
            "POST result -> {status}; {n_orders} order(s) on file; {}",
            rec.get("result").map(ToString::to_string).unwrap_or_default()
        ),
    ));
    // Wrap-up and the last timers.
    h.run_for(Duration::from_secs(30))?;

    checks.extend(network_checks(h));
    checks.push(console_check(h));

    let recorded = h.record_cdrs(&format!("demo-seed{}", opts.seed))?;
    let (status, listing) = h.front_get("/v1/cdrs")?;
    h.note("web→front", format!("the business reads its bill: GET /v1/cdrs -> {status} ({recorded} records written by the network)"));
    let cdrs: Listing = serde_json::from_value(listing.clone()).map_err(|e| HarnessError::Http {
        method: "GET".into(),
        path: "/v1/cdrs".into(),
        err: format!("{e}: {listing}"),
    })?;
    let session = cdrs.records.iter().find_map(|r| match r {
        Record::Session(s) if s.business == "ABC" => Some(s),
        _ => None,
    });
    checks.push(check(
        "billing: a click-to-call session CDR for ABC, connected, with its legs, in sled and listed by the front's GET /v1/cdrs",
        session.is_some_and(|s| s.outcome == SessionOutcome::Connected && !s.legs.is_empty()),
        match session {
            Some(s) => format!(
                "session #{} {} -> {}: {}, bridged {} ms, {} legs",
                s.call_id,
                s.customer,
                s.representative,
                s.outcome.name(),
                s.bridged_ms,
                s.legs.len()
            ),
            None => format!("no session among {} records", cdrs.records.len()),
        },
    ));

    let mut opts_l = ladder::Options::new(h.variant);
    opts_l.column_width = 26;
    opts_l.columns = [
        phone_name(abc::SHOPPER).as_str(),
        "SSP-A",
        "STP-1",
        "ISCP",
        "SSP-B",
        "IP",
        &phone_name(REPRESENTATIVE),
        "ACCESS",
        "WEB",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let ladder = h.net.sim.ladder(&opts_l);
    Ok(DemoReport {
        variant: h.variant,
        seed: opts.seed,
        steps: h.steps().to_vec(),
        console: h.console_events(),
        ladder,
        pcap: h.net.sim.pcap_bytes(),
        cdrs,
        checks,
    })
}

/// What the network did, from the statuses, counters and frames.
fn network_checks(h: &Harness) -> Vec<Check> {
    let statuses: Vec<&CallStatus> = h.statuses().iter().map(|(_, _, s)| s).collect();
    let saw = |want: &CallStatus| statuses.contains(&want);
    let names: Vec<String> = statuses
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.get("state").and_then(|x| x.as_str()).map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    let trail = names.join(" → ");
    let counter = |node: &str, name: &str| {
        h.net
            .node(node)
            .map_or(0, |n| h.net.sim.counters(n).into_iter().find(|(k, _)| k == name).map_or(0, |(_, v)| v))
    };
    let trace = h.net.sim.trace();
    let ss7 = |from: &str, what: &str| {
        trace
            .iter()
            .filter(|e| e.kind == LinkKind::Ss7 && e.from_name.as_ref() == from)
            .any(|e| ladder::label(e.kind, &e.bytes, h.variant).contains(what))
    };
    let iams = trace
        .iter()
        .filter(|e| e.kind == LinkKind::Ss7 && ladder::label(e.kind, &e.bytes, h.variant).contains("IAM"))
        .count();
    let rlcs = trace
        .iter()
        .filter(|e| e.kind == LinkKind::Ss7 && ladder::label(e.kind, &e.bytes, h.variant).contains("RLC"))
        .count();
    let lost = h.net.sim.stats().lost();
    let initiate = match h.variant {
        Variant::Ansi => "Create_Call",
        Variant::Itu => "InitiateCallAttempt",
    };
    vec![
        check(
            "the access server's front accepted the signed call initiation message (HMAC, nonce, argon2 password, number policy) and passed it over the OSN",
            h.steps().iter().any(|s| s.who == "web→front" && s.text.contains("202 Accepted")) && h.front.frames_sent() >= 1,
            format!("{} OSN frame(s) from the front", h.front.frames_sent()),
        ),
        check(
            &format!("the ISCP started the call with {initiate} toward the shopper's switch"),
            counter("ISCP", "initiated") >= 1 && ss7("ISCP", initiate),
            format!("ISCP initiated {}", counter("ISCP", "initiated")),
        ),
        check(
            "the network called the shopper first, who answered",
            saw(&CallStatus::CallingCustomer) && saw(&CallStatus::CustomerAnswered),
            trail.clone(),
        ),
        check(
            "the IP played \"Please hold while we connect you to an ABC Travel customer representative\"",
            saw(&CallStatus::Announcing) && counter("IP", "announcements_played") >= 1,
            format!("IP announcements played: {}", counter("IP", "announcements_played")),
        ),
        check(
            "the representative was called over ISUP through the STPs, answered, and was bridged with the shopper",
            saw(&CallStatus::CallingRepresentative) && saw(&CallStatus::Connected) && ss7("SSP-B", "ANM"),
            trail.clone(),
        ),
        check("the call ended and every leg was released", saw(&CallStatus::Released) && iams == rlcs && iams > 0, format!("{iams} IAM, {rlcs} RLC")),
        check("no frame was lost", lost == 0, format!("{lost} lost")),
    ]
}

fn console_check(h: &Harness) -> Check {
    let pop = h
        .console_events()
        .into_iter()
        .find(|(agent, event, _)| agent == "cruise-1" && event == "pop")
        .map(|(_, _, data)| data);
    let ok = pop.as_deref().is_some_and(|d| d.contains(abc::SHOPPER) && d.contains("cruise"));
    check(
        "the cruise expert's console popped (SSE) with the shopper's number and the pages they viewed",
        ok,
        pop.map_or("no pop".to_owned(), |d| d.chars().take(160).collect()),
    )
}

/// Simulated time as seconds, for transcripts.
pub fn seconds(t: Instant) -> String {
    format!("{}.{:03} s", t.0 / 1_000_000, (t.0 / 1000) % 1000)
}
