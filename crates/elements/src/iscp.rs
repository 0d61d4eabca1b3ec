//! The ISCP: the AIN service control point.
//!
//! An SS7 node ([`SignallingPoint`]) whose SCCP subsystem runs TCAP
//! dialogues with the SSPs: ANSI TCAP carrying AIN 0.2, or ITU TCAP carrying
//! INAP (chosen per message by its first tag, so one ISCP serves both). The
//! service logic, provisioned from a [`Store`]:
//!
//! - **800-number translation** by time of day and origin ([`TollFree`]
//!   rules): Info_Analyzed → Analyze_Route (ANSI) / InitialDP → Connect (ITU);
//! - **call forwarding on busy and on no answer** ([`Subscriber`]):
//!   Termination_Attempt → Authorize_Termination + RequestReportBCMEvent
//!   arming T_Busy / T_No_Answer, then Analyze_Route to the forward-to
//!   number when one is reported (ITU: InitialDP at termAttemptAuthorized →
//!   RequestReportBCSMEvent + Continue, EventReportBCSM → Connect);
//! - **an SCP-initiated call** joining two numbers ([`Iscp::initiate_call`],
//!   or [`OsnMessage::CallSetup`] on the OSN port): Create_Call (ANSI) /
//!   InitiateCallAttempt (ITU) toward the SSP of the first party; on its
//!   answer, Send_To_Resource (ANSI) / ConnectToResource + PlayAnnouncement
//!   (ITU) for the announcement; on Resource_Clear / SpecializedResourceReport,
//!   Analyze_Route / Connect to the second party; progress is reported as
//!   [`OsnMessage::CallStatus`] on the OSN. This is click-to-call's
//!   program: a customer busy or not answering is called again
//!   ([`IscpConfig::customer_attempts`], [`IscpConfig::customer_retry_interval`]);
//!   a representative busy or not answering is reported
//!   (`representative_unavailable`) while the customer is sent back to the
//!   announcement, again after each Resource_Clear, until an
//!   [`OsnMessage::NextRepresentative`] names the next one or
//!   [`IscpConfig::next_representative_wait`] runs out (then the apology
//!   announcement and release); [`OsnMessage::Cancel`] releases the call and
//!   closes its dialogue at any stage. The legs are sequential: the
//!   representative is called once the announcement has ended.
//!
//! Each dialogue the ISCP keeps open has a timer: when the SSP says nothing
//! for [`IscpConfig::dialogue_timeout`] the ISCP aborts it (ANSI user abort,
//! ITU ABRT). Malformed input is counted ([`IscpCounters`]) and answered as
//! T1.114 / Q.773 say: a transaction portion we cannot read gets a P-Abort,
//! a message for an unknown transaction gets a P-Abort (unassigned /
//! unrecognized transaction ID), an unknown operation or a parameter that
//! does not decode gets a Reject. `handle` never panics.
//!
//! What it is not: an SCCP relay or GTT node (the STP translates), a full
//! TC-user API (one invoke at a time is processed per component), or a
//! service creation environment: the three services above are code.

use std::collections::BTreeMap;
use std::time::Duration;

use ainsim_store::{Store, StoreExt};
use ainsim_wire::ain::{
    AinDigits, AinOpcode, AinOperation, AinParameter, AnnouncementBlock, Octets, Param, StrParameterBlock,
    Value,
};
use ainsim_wire::inap::{
    BcsmEvent, Cause, InapArgument, InapElement, InapField, InapOpcode, InapOperation, InapValue,
    InformationToSend, IsupNumber,
};
use ainsim_wire::sccp::{self, Address, ProtocolClass};
use ainsim_wire::tcap::{self, ansi, itu, TcapRepr};
use ainsim_wire::{PointCode, SccpRepr, Variant};

use crate::core::{Element, EventKind, Input, Instant, Outputs, Port, TimerId};
use crate::ip::Announcement;
use crate::osn::{CallStatus, OsnMessage};
use crate::sp::SignallingPoint;

/// Store tree of 800 numbers: key = the dialled number, value = [`TollFree`].
pub const TOLL_FREE_TREE: &str = "toll_free";
/// Store tree of subscribers: key = the directory number, value = [`Subscriber`].
pub const SUBSCRIBER_TREE: &str = "subscriber";

/// SSN of the AIN application (ANSI networks commonly use 248 for the ISCP's AIN SSN).
pub const SSN_AIN: u8 = 248;
/// SSN of INAP (Q.713 Annex: 241).
pub const SSN_INAP: u8 = 241;

/// An 800 number's translation rules; the first rule that matches wins,
/// then `default`; with neither, the call is disconnected.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct TollFree {
    #[serde(default)]
    pub rules: Vec<TollFreeRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Keep the dialogue open and ask for O_Answer / O_Disconnect reports (for billing).
    #[serde(default)]
    pub monitor: bool,
}

/// One translation rule: route to `to` when the time of day is in
/// `[start, end)` ("HH:MM", wrapping past midnight when end < start; both
/// absent = all day) and the caller's number starts with one of `origins`
/// (empty = any caller).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct TollFreeRule {
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<String>,
}

/// A subscriber's AIN features.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Subscriber {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_on_busy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_on_no_answer: Option<String>,
    /// Seconds of ringing before no answer (ANSI TNoAnswerTimer); 0 = the SSP's default.
    #[serde(default)]
    pub no_answer_s: u32,
}

fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl TollFreeRule {
    /// Whether the rule applies at `minute` of the day to a call from `origin`.
    /// A rule whose times do not parse never matches.
    pub fn matches(&self, minute: u32, origin: Option<&str>) -> bool {
        let in_window = match (&self.start, &self.end) {
            (None, None) => true,
            (s, e) => {
                let s = s.as_deref().map_or(Some(0), minutes);
                let e = e.as_deref().map_or(Some(24 * 60), minutes);
                match (s, e) {
                    (Some(s), Some(e)) if s <= e => (s..e).contains(&minute),
                    (Some(s), Some(e)) => minute >= s || minute < e,
                    _ => false,
                }
            }
        };
        let from_origin = self.origins.is_empty()
            || origin.is_some_and(|o| self.origins.iter().any(|p| o.starts_with(p.as_str())));
        in_window && from_origin
    }
}

impl TollFree {
    /// The destination for a call at `minute` of the day from `origin`.
    pub fn translate(&self, minute: u32, origin: Option<&str>) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.matches(minute, origin))
            .map(|r| r.to.as_str())
            .or(self.default.as_deref())
    }
}

/// The ISCP's configuration.
#[derive(Debug, Clone)]
pub struct IscpConfig {
    pub name: String,
    pub pc: PointCode,
    pub variant: Variant,
    /// Network indicator for outgoing MSUs (2 = national).
    pub ni: u8,
    /// Our SSN (answers go out from it; [`SSN_AIN`] or [`SSN_INAP`]).
    pub ssn: u8,
    /// Link sets: adjacent point code and the ports of its links. Every
    /// destination is routed over all of them (load shared by SLS).
    pub linksets: Vec<(PointCode, Vec<Port>)>,
    /// The OSN port, if any.
    pub osn_port: Option<Port>,
    /// How long an open dialogue may stay silent before it is aborted.
    pub dialogue_timeout: Duration,
    /// How long a dialogue whose call is up (answered, monitored for its
    /// disconnect) may stay silent before it is aborted.
    pub call_guard: Duration,
    /// Seconds since midnight at `Instant::ZERO` (the simulated wall clock).
    pub time_of_day_at_start: u32,
    /// The SSP that places SCP-initiated calls, and its SSN.
    pub originating_ssp: PointCode,
    pub originating_ssn: u8,
    /// The IP's routing number (ConnectToResource's IPRoutingAddress).
    pub ip_number: String,
    /// Announcements known by name (their ids go into Send_To_Resource / PlayAnnouncement).
    pub announcements: Vec<Announcement>,
    /// Click-to-call: how many times the customer is called when busy or
    /// not answering (1 = no retry).
    pub customer_attempts: u32,
    /// Click-to-call: the wait between two calls to the customer.
    pub customer_retry_interval: Duration,
    /// Click-to-call: seconds of ringing before a leg counts as not
    /// answering (sent as the no-answer timer; 0 = the SSP's default).
    pub no_answer_s: u32,
    /// Click-to-call: how long the ISCP waits for the representative's leg
    /// to be answered or reported (a representative behind a trunk is given
    /// up by the originating switch's ISUP T9, 90–180 s; a line by `no_answer_s`).
    pub representative_ring_limit: Duration,
    /// Click-to-call: how long the customer is held after
    /// `representative_unavailable` waiting for `next_representative`.
    pub next_representative_wait: Duration,
    /// Click-to-call: the announcement played before the customer is
    /// released when no representative comes (none = release at once).
    pub apology: Option<String>,
}

impl IscpConfig {
    /// A configuration with defaults: 10 s dialogue timeout (4 h once a call
    /// is up), 09:00 at the
    /// start, the standard announcements, IP at 2125550999.
    pub fn new(name: &str, pc: PointCode, variant: Variant, originating_ssp: PointCode) -> Self {
        IscpConfig {
            name: name.into(),
            pc,
            variant,
            ni: 2,
            ssn: if variant == Variant::Ansi { SSN_AIN } else { SSN_INAP },
            linksets: Vec::new(),
            osn_port: None,
            dialogue_timeout: Duration::from_secs(10),
            call_guard: Duration::from_secs(4 * 3600),
            time_of_day_at_start: 9 * 3600,
            originating_ssp,
            originating_ssn: if variant == Variant::Ansi { SSN_AIN } else { SSN_INAP },
            ip_number: "2125550999".into(),
            announcements: crate::ip::standard_announcements(),
            customer_attempts: 3,
            customer_retry_interval: Duration::from_secs(60),
            no_answer_s: 20,
            representative_ring_limit: Duration::from_secs(180),
            next_representative_wait: Duration::from_secs(30),
            apology: Some("sorry-no-representative".into()),
        }
    }
}

/// What the ISCP counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IscpCounters {
    /// TCAP messages received (parsed).
    pub received: u64,
    /// Frames that were not MTP3/SCCP we could read, or not for us.
    pub dropped: u64,
    /// TCAP that did not parse (answered with a P-Abort when it could be addressed).
    pub malformed: u64,
    /// P-Aborts sent.
    pub aborts_sent: u64,
    /// Rejects sent.
    pub rejects_sent: u64,
    /// Dialogues aborted by the dialogue timer.
    pub timeouts: u64,
    /// 800-number translations made.
    pub translations: u64,
    /// Calls forwarded (busy or no answer).
    pub forwards: u64,
    /// SCP-initiated calls started (retries included).
    pub initiated: u64,
    /// Calls to a customer tried again after busy / no answer.
    pub retries: u64,
    /// Announcements started again while a customer waits for a representative.
    pub repeats: u64,
    /// Click-to-calls cancelled by the business.
    pub cancelled: u64,
    /// Store reads that failed (treated as "no record").
    pub store_errors: u64,
}

/// A call event the service logic reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    OBusy,
    ONoAnswer,
    OAnswer,
    ODisconnect,
    TBusy,
    TNoAnswer,
    TAnswer,
    TDisconnect,
}

impl Ev {
    /// Bit of the AIN EDPRequest / EDPNotification BIT STRING (GR-1299 order).
    fn ain_bit(self) -> usize {
        match self {
            Ev::OBusy => 0,
            Ev::ONoAnswer => 1,
            Ev::OAnswer => 3,
            Ev::TBusy => 4,
            Ev::TNoAnswer => 5,
            Ev::TAnswer => 7,
            Ev::ODisconnect => 11,
            Ev::TDisconnect => 16,
        }
    }

    /// INAP EventTypeBCSM.
    fn inap(self) -> i64 {
        match self {
            Ev::OBusy => 5,
            Ev::ONoAnswer => 6,
            Ev::OAnswer => 7,
            Ev::ODisconnect => 9,
            Ev::TBusy => 13,
            Ev::TNoAnswer => 14,
            Ev::TAnswer => 15,
            Ev::TDisconnect => 17,
        }
    }

    fn from_inap(n: i64) -> Option<Ev> {
        [
            Ev::OBusy,
            Ev::ONoAnswer,
            Ev::OAnswer,
            Ev::ODisconnect,
            Ev::TBusy,
            Ev::TNoAnswer,
            Ev::TAnswer,
            Ev::TDisconnect,
        ]
        .into_iter()
        .find(|e| e.inap() == n)
    }

    fn from_ain(op: AinOpcode) -> Option<Ev> {
        Some(match op {
            AinOpcode::OAnswer => Ev::OAnswer,
            AinOpcode::ODisconnect => Ev::ODisconnect,
            AinOpcode::ONoAnswer => Ev::ONoAnswer,
            AinOpcode::TBusy => Ev::TBusy,
            AinOpcode::TNoAnswer => Ev::TNoAnswer,
            AinOpcode::TAnswer => Ev::TAnswer,
            AinOpcode::TDisconnect => Ev::TDisconnect,
            AinOpcode::NetworkBusy => Ev::OBusy,
            _ => return None,
        })
    }
}

/// An operation from the SSP, stripped of its variant.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Incoming {
    /// Info_Analyzed / InitialDP at analysedInformation: an originating trigger.
    Originating { called: String, calling: Option<String> },
    /// Termination_Attempt / InitialDP at termAttemptAuthorized.
    Terminating { called: String, calling: Option<String> },
    /// An event report.
    Report(Ev),
    /// Resource_Clear / SpecializedResourceReport.
    ResourceDone { digits: Option<String> },
    /// Another operation we know but have nothing to do for.
    Ignored,
}

/// What the service logic asks the SSP to do.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Route {
        to: String,
        redirecting: Option<String>,
    },
    Authorize,
    Continue,
    Disconnect,
    Resource {
        announcement: u16,
    },
    /// Arm `request` as interrupting events and `notify` as notifications;
    /// `no_answer_s` > 0 sets the terminating no-answer timer.
    Arm {
        request: Vec<Ev>,
        notify: Vec<Ev>,
        no_answer_s: u32,
    },
    CreateCall {
        called: String,
        calling: String,
    },
    /// Release the call with `cause` (ANSI Disconnect: the SSP picks 16 or
    /// 31 by the answer state; ITU ReleaseCall with this cause).
    Release(u8),
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    CallingA,
    /// The representative is called; with an announcement, the customer
    /// holds on the IP meanwhile.
    CallingB,
    Connected,
    /// The representative was unavailable: the customer hears the
    /// announcement again while the ISCP waits for the next one.
    Holding,
    /// No next representative came in time: the apology plays, then release.
    Apologizing,
}

/// A click-to-call (SCP-initiated call) in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
struct C2c {
    call_id: u64,
    a: String,
    b: String,
    announcement: Option<u16>,
    stage: Stage,
    /// Came from the OSN (statuses go back there).
    osn: bool,
    /// Attempt at calling the customer, from 1.
    attempt: u32,
    /// The customer is on the IP (the announcement plays and repeats) while
    /// a representative is called or awaited.
    held: bool,
    /// The wait for a next representative ran out: apologise after the current announcement.
    give_up: bool,
    /// Cancelled before the SSP first answered the dialogue (its transaction
    /// ID is not known yet): release at its first word.
    cancelled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Service {
    /// A dialogue we close with our answer (nothing left to do).
    Done,
    /// Forwarding armed for a subscriber.
    Forwarding { dn: String, busy: Option<String>, no_answer: Option<String> },
    /// Monitoring a translated 800 call.
    Monitoring,
    /// An SCP-initiated call.
    Initiated(Box<C2c>),
}

#[derive(Debug, Clone)]
struct Dialogue {
    variant: Variant,
    /// The peer's transaction ID (None until it first answers an SCP-initiated dialogue).
    peer_tid: Option<Vec<u8>>,
    peer_pc: PointCode,
    peer_ssn: u8,
    service: Service,
    /// Next ANSI component / ITU invoke id.
    next_invoke: u8,
    /// ITU: our first message must carry the AARE (the Begin had an AARQ).
    aare: Option<tcap::Oid>,
    /// A longer wait than the dialogue timeout (ringing before a no-answer report).
    wait: Option<Duration>,
}

/// The ISCP element.
pub struct Iscp {
    cfg: IscpConfig,
    sp: SignallingPoint,
    store: Box<dyn Store + Send>,
    dialogues: BTreeMap<u32, Dialogue>,
    next_tid: u32,
    counters: IscpCounters,
    /// Click-to-calls waiting to call the customer again, by retry number.
    retries: BTreeMap<u64, C2c>,
    next_retry: u64,
}

const TIMER_DIALOGUE: u64 = 1;
const TIMER_NEXT_REP: u64 = 2;
const TIMER_RETRY: u64 = 3;

fn timer(tid: u32) -> TimerId {
    TimerId(u64::from(tid) << 8 | TIMER_DIALOGUE)
}

fn next_rep_timer(tid: u32) -> TimerId {
    TimerId(u64::from(tid) << 8 | TIMER_NEXT_REP)
}

fn retry_timer(n: u64) -> TimerId {
    TimerId(n << 8 | TIMER_RETRY)
}

fn cause_name(ev: Ev) -> &'static str {
    match ev {
        Ev::OBusy | Ev::TBusy => "busy",
        _ => "no_answer",
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn tid_u32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

impl Iscp {
    /// An ISCP with its provisioning in `store`.
    pub fn new(cfg: IscpConfig, store: Box<dyn Store + Send>) -> Self {
        let mut sp = SignallingPoint::new(cfg.pc, cfg.variant, cfg.ni);
        let sets: Vec<_> = cfg.linksets.iter().map(|(adj, ports)| sp.add_linkset(*adj, ports)).collect();
        if !sets.is_empty() {
            sp.add_route(None, &[&sets]);
        }
        Iscp {
            cfg,
            sp,
            store,
            dialogues: BTreeMap::new(),
            next_tid: 1,
            counters: IscpCounters::default(),
            retries: BTreeMap::new(),
            next_retry: 1,
        }
    }

    /// What was counted so far.
    pub fn counters(&self) -> IscpCounters {
        self.counters
    }

    /// Dialogues open now.
    pub fn open_dialogues(&self) -> usize {
        self.dialogues.len()
    }

    /// The provisioning store (to provision between steps).
    pub fn store_mut(&mut self) -> &mut (dyn Store + Send) {
        self.store.as_mut()
    }

    /// Minute of the simulated day at `now`.
    pub fn minute_of_day(&self, now: Instant) -> u32 {
        let s = u64::from(self.cfg.time_of_day_at_start) + now.micros() / 1_000_000;
        ((s % 86_400) / 60) as u32
    }

    /// Starts an SCP-initiated call: the network calls `a`, plays
    /// `announcement` (a name from [`IscpConfig::announcements`]) when `a`
    /// answers, then routes `a` to `b`. Returns the local transaction ID.
    ///
    /// # Errors
    /// An unknown announcement name, or no route toward the originating SSP.
    pub fn initiate_call(
        &mut self,
        now: Instant,
        a: &str,
        b: &str,
        announcement: Option<&str>,
        out: &mut Outputs,
    ) -> Result<u32, String> {
        let c = self.new_c2c(0, a, b, announcement, false)?;
        self.initiate(now, c, out)
    }

    /// Click-to-calls waiting to call their customer again.
    pub fn pending_retries(&self) -> usize {
        self.retries.len()
    }

    fn announcement_id(&self, name: &str) -> Option<u16> {
        self.cfg.announcements.iter().find(|x| x.name == name).map(|x| x.id)
    }

    fn new_c2c(
        &self,
        call_id: u64,
        a: &str,
        b: &str,
        announcement: Option<&str>,
        osn: bool,
    ) -> Result<C2c, String> {
        let ann = match announcement {
            None => None,
            Some(n) => Some(
                self.cfg
                    .announcements
                    .iter()
                    .find(|x| x.name == n)
                    .map(|x| x.id)
                    .ok_or_else(|| format!("iscp: unknown announcement {n:?}"))?,
            ),
        };
        Ok(C2c {
            call_id,
            a: a.into(),
            b: b.into(),
            announcement: ann,
            stage: Stage::CallingA,
            osn,
            attempt: 1,
            held: false,
            give_up: false,
            cancelled: false,
        })
    }

    /// Opens the dialogue that calls the customer of `c` (Create_Call / InitiateCallAttempt).
    fn initiate(&mut self, now: Instant, c: C2c, out: &mut Outputs) -> Result<u32, String> {
        let tid = self.alloc_tid();
        let variant = self.cfg.variant;
        let (a, b) = (c.a.clone(), c.b.clone());
        let no_answer_s = self.cfg.no_answer_s;
        let d = Dialogue {
            variant,
            peer_tid: None,
            peer_pc: self.cfg.originating_ssp,
            peer_ssn: self.cfg.originating_ssn,
            service: Service::Initiated(Box::new(c)),
            next_invoke: 1,
            aare: None,
            // The customer may ring this long before the SSP reports no answer.
            wait: Some(self.ringing_wait()),
        };
        self.dialogues.insert(tid, d);
        let mut actions = vec![
            Action::CreateCall { called: a.clone(), calling: b.clone() },
            Action::Arm {
                request: vec![Ev::OBusy, Ev::ONoAnswer, Ev::OAnswer],
                notify: vec![Ev::ODisconnect],
                no_answer_s,
            },
        ];
        if variant == Variant::Itu {
            // Q.1218: InitiateCallAttempt, the events to report, then Continue to let the SSF proceed.
            actions.push(Action::Continue);
        }
        if let Err(e) = self.send_actions(now, tid, &actions, Emit::Begin, out) {
            self.dialogues.remove(&tid);
            return Err(e);
        }
        self.counters.initiated += 1;
        out.event(Some(u64::from(tid)), EventKind::CallAttempt { from: b, to: a });
        Ok(tid)
    }

    /// How long a dialogue may wait while a leg rings (the no-answer time
    /// plus the dialogue timeout; 30 s of ringing when the SSP decides).
    fn ringing_wait(&self) -> Duration {
        let ring = if self.cfg.no_answer_s == 0 { 30 } else { self.cfg.no_answer_s };
        self.cfg.dialogue_timeout + Duration::from_secs(u64::from(ring))
    }

    fn alloc_tid(&mut self) -> u32 {
        loop {
            let t = self.next_tid;
            self.next_tid = self.next_tid.wrapping_add(1).max(1);
            if !self.dialogues.contains_key(&t) {
                return t;
            }
        }
    }

    fn drop_frame(&mut self, out: &mut Outputs, reason: String, bytes: &[u8]) {
        self.counters.dropped += 1;
        out.event(None, EventKind::Dropped { reason, hex: hex(bytes) });
    }

    fn recv_ss7(&mut self, now: Instant, bytes: &[u8], out: &mut Outputs) {
        let (opc, sif) = match self.sp.receive(bytes) {
            Ok(p) if p.si() == ainsim_wire::mtp3::si::SCCP && p.dpc() == self.cfg.pc => {
                (p.opc(), p.sif().to_vec())
            }
            Ok(p) if p.si() == ainsim_wire::mtp3::si::SCCP => {
                let r = format!("iscp: MSU for {:?}, not us", p.dpc());
                return self.drop_frame(out, r, bytes);
            }
            Ok(p) => {
                let r = format!("iscp: service indicator {} not handled", p.si());
                return self.drop_frame(out, r, bytes);
            }
            Err(e) => return self.drop_frame(out, e.to_string(), bytes),
        };
        let (calling, data) = match SccpRepr::parse(&sif, self.cfg.variant) {
            Ok(SccpRepr::Udt(u)) => (u.calling_party, u.data),
            Ok(SccpRepr::Xudt(u)) => (u.calling_party, u.data),
            Ok(_) => return self.drop_frame(out, "iscp: SCCP message type not handled".into(), bytes),
            Err(e) => return self.drop_frame(out, e.to_string(), bytes),
        };
        let peer_pc = calling.point_code.unwrap_or(opc);
        let peer_ssn = calling.ssn.unwrap_or(self.cfg.ssn);
        match TcapRepr::parse(&data) {
            Ok(TcapRepr::Ansi(m)) => {
                self.counters.received += 1;
                self.ansi(now, m, peer_pc, peer_ssn, out);
            }
            Ok(TcapRepr::Itu(m)) => {
                self.counters.received += 1;
                self.itu(now, m, peer_pc, peer_ssn, out);
            }
            Err(e) => {
                self.counters.malformed += 1;
                out.event(None, EventKind::Dropped { reason: e.to_string(), hex: hex(&data) });
                self.abort_malformed(&data, peer_pc, peer_ssn, out);
            }
        }
    }

    /// T1.114 §3.2.3 / Q.774 §3.2.1.2: a transaction portion we cannot read
    /// is answered with a P-Abort toward its originating ID, if we can find it.
    fn abort_malformed(&mut self, data: &[u8], pc: PointCode, ssn: u8, out: &mut Outputs) {
        let (kind, otid) = match tcap::peek(data) {
            Ok(s) => match s.otid {
                Some(o) => (s.kind, o.to_vec()),
                None => return,
            },
            Err(_) => match salvage_otid(data) {
                Some(x) => x,
                None => return,
            },
        };
        match kind {
            tcap::Kind::Ansi(pt) if pt != ansi::PackageType::Abort && pt != ansi::PackageType::Response => {
                // 3: badly structured transaction portion.
                self.send_ansi_abort(otid, ansi::AbortCause::PAbort(3), pc, ssn, out);
            }
            tcap::Kind::Itu(mt) if mt == itu::MessageType::Begin || mt == itu::MessageType::Continue => {
                // 2: badlyFormattedTransactionPortion.
                self.send_itu_p_abort(otid, 2, pc, ssn, out);
            }
            _ => {}
        }
    }

    fn send_ansi_abort(
        &mut self,
        peer: Vec<u8>,
        cause: ansi::AbortCause,
        pc: PointCode,
        ssn: u8,
        out: &mut Outputs,
    ) {
        self.counters.aborts_sent += 1;
        let m = ansi::Message {
            package_type: ansi::PackageType::Abort,
            form: Default::default(),
            transaction_id: peer,
            dialogue: None,
            components: None,
            abort_cause: Some(cause),
        };
        self.send_tcap(&TcapRepr::Ansi(m), pc, ssn, out);
    }

    fn send_itu_p_abort(&mut self, peer: Vec<u8>, cause: i64, pc: PointCode, ssn: u8, out: &mut Outputs) {
        self.counters.aborts_sent += 1;
        let m = itu::Message {
            message_type: itu::MessageType::Abort,
            form: Default::default(),
            otid: None,
            dtid: Some(peer),
            p_abort_cause: Some(cause),
            dialogue: None,
            components: None,
        };
        self.send_tcap(&TcapRepr::Itu(m), pc, ssn, out);
    }

    fn send_tcap(&mut self, t: &TcapRepr, pc: PointCode, ssn: u8, out: &mut Outputs) -> bool {
        let variant = self.cfg.variant;
        let data = match t.to_bytes() {
            Ok(d) => d,
            Err(e) => {
                out.event(None, EventKind::Note(format!("iscp: cannot encode TCAP: {e}")));
                return false;
            }
        };
        let udt = SccpRepr::Udt(sccp::Udt {
            protocol_class: ProtocolClass { class: 0, return_on_error: false, spare: 0 },
            called_party: Address::pc_ssn(variant, pc, ssn),
            calling_party: Address::pc_ssn(variant, self.cfg.pc, self.cfg.ssn),
            data,
        });
        let sif = match udt.to_bytes(variant) {
            Ok(b) => b,
            Err(e) => {
                out.event(None, EventKind::Note(format!("iscp: cannot encode SCCP: {e}")));
                return false;
            }
        };
        let sls = (pc.0 & 0x0f) as u8;
        match self.sp.send(out, ainsim_wire::mtp3::si::SCCP, pc, sls, &sif) {
            Ok(_) => true,
            Err(e) => {
                out.event(None, EventKind::Note(e.to_string()));
                false
            }
        }
    }

    // ---------------------------------------------------------------- ANSI

    fn ansi(&mut self, now: Instant, m: ansi::Message, pc: PointCode, ssn: u8, out: &mut Outputs) {
        use ansi::PackageType as P;
        let tid = match m.package_type {
            P::QueryWithPerm | P::QueryWithoutPerm => {
                let Some(peer) = m.originating_id().map(<[u8]>::to_vec) else { return };
                let tid = self.alloc_tid();
                self.dialogues.insert(
                    tid,
                    Dialogue {
                        variant: Variant::Ansi,
                        peer_tid: Some(peer),
                        peer_pc: pc,
                        peer_ssn: ssn,
                        service: Service::Done,
                        next_invoke: 1,
                        aare: None,
                        wait: None,
                    },
                );
                tid
            }
            P::Unidirectional => {
                for c in m.components() {
                    if let Some(Ok(inc)) = ansi_incoming(c) {
                        self.note_incoming(&inc, None, out);
                    }
                }
                return;
            }
            P::ConversationWithPerm | P::ConversationWithoutPerm | P::Response | P::Abort => {
                let ours = m.responding_id().and_then(tid_u32).filter(|t| self.dialogues.contains_key(t));
                let Some(tid) = ours else {
                    // T1.114: unassigned responding transaction ID (4), unless it is itself an abort/response.
                    if let (P::ConversationWithPerm | P::ConversationWithoutPerm, Some(o)) =
                        (m.package_type, m.originating_id())
                    {
                        self.send_ansi_abort(o.to_vec(), ansi::AbortCause::PAbort(4), pc, ssn, out);
                    }
                    return;
                };
                if let Some(d) = self.dialogues.get_mut(&tid) {
                    if d.peer_tid.is_none() {
                        d.peer_tid = m.originating_id().map(<[u8]>::to_vec);
                    }
                }
                if m.package_type == P::Abort {
                    out.event(
                        Some(u64::from(tid)),
                        EventKind::Note("iscp: dialogue aborted by the SSP".into()),
                    );
                    self.fail_initiated(tid, "aborted by the SSP", out);
                    self.end_dialogue(tid, out);
                    return;
                }
                tid
            }
        };
        let peer_ends =
            matches!(m.package_type, P::Response | P::QueryWithoutPerm | P::ConversationWithoutPerm);
        let mut rejects = Vec::new();
        let mut incoming = Vec::new();
        for c in m.components() {
            match ansi_incoming(c) {
                None => {}
                Some(Ok(i)) => incoming.push(i),
                Some(Err(problem)) => {
                    rejects.push((c.component_ids().and_then(|i| i.first().copied()), problem))
                }
            }
        }
        self.run(now, tid, incoming, rejects, m.package_type == P::Response, peer_ends, out);
    }

    // ---------------------------------------------------------------- ITU

    fn itu(&mut self, now: Instant, m: itu::Message, pc: PointCode, ssn: u8, out: &mut Outputs) {
        use itu::MessageType as M;
        let tid = match m.message_type {
            M::Begin => {
                let Some(peer) = m.otid.clone() else { return };
                let tid = self.alloc_tid();
                let aare = m.application_context().cloned();
                self.dialogues.insert(
                    tid,
                    Dialogue {
                        variant: Variant::Itu,
                        peer_tid: Some(peer),
                        peer_pc: pc,
                        peer_ssn: ssn,
                        service: Service::Done,
                        next_invoke: 1,
                        aare,
                        wait: None,
                    },
                );
                tid
            }
            M::Unidirectional => return,
            M::Continue | M::End | M::Abort => {
                let ours = m.dtid.as_deref().and_then(tid_u32).filter(|t| self.dialogues.contains_key(t));
                let Some(tid) = ours else {
                    if let (M::Continue, Some(o)) = (m.message_type, m.otid.clone()) {
                        // Q.774: unrecognizedTransactionID (1).
                        self.send_itu_p_abort(o, 1, pc, ssn, out);
                    }
                    return;
                };
                if let Some(d) = self.dialogues.get_mut(&tid) {
                    if d.peer_tid.is_none() {
                        d.peer_tid.clone_from(&m.otid);
                    }
                }
                if m.message_type == M::Abort {
                    out.event(
                        Some(u64::from(tid)),
                        EventKind::Note("iscp: dialogue aborted by the SSF".into()),
                    );
                    self.fail_initiated(tid, "aborted by the SSF", out);
                    self.end_dialogue(tid, out);
                    return;
                }
                tid
            }
        };
        let mut rejects = Vec::new();
        let mut incoming = Vec::new();
        for c in m.components() {
            match itu_incoming(c) {
                None => {}
                Some(Ok(i)) => incoming.push(i),
                Some(Err(problem)) => {
                    rejects.push((c.invoke_id().and_then(|i| u8::try_from(i).ok()), problem))
                }
            }
        }
        let ended = m.message_type == M::End;
        self.run(now, tid, incoming, rejects, ended, ended, out);
    }

    // ---------------------------------------------------------------- logic

    fn note_incoming(&mut self, inc: &Incoming, tid: Option<u32>, out: &mut Outputs) {
        let call = tid.map(u64::from);
        match inc {
            Incoming::Report(Ev::OAnswer | Ev::TAnswer) => out.event(call, EventKind::Answered),
            Incoming::Report(Ev::ODisconnect | Ev::TDisconnect) => {
                out.event(call, EventKind::Released { cause: 16 })
            }
            Incoming::Report(e) => out.event(call, EventKind::Note(format!("iscp: report {e:?}"))),
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        now: Instant,
        tid: u32,
        incoming: Vec<Incoming>,
        rejects: Vec<(Option<u8>, u16)>,
        peer_closed: bool,
        no_reply_allowed: bool,
        out: &mut Outputs,
    ) {
        let mut actions = Vec::new();
        for inc in &incoming {
            self.note_incoming(inc, Some(tid), out);
            actions.extend(self.logic(now, tid, inc, out));
        }
        let done = self.dialogues.get(&tid).is_none_or(|d| d.service == Service::Done);
        if peer_closed || (no_reply_allowed && actions.is_empty() && rejects.is_empty()) {
            if peer_closed {
                if let Some(Service::Initiated(_)) = self.dialogues.get(&tid).map(|d| &d.service) {
                    self.status(tid, CallStatus::Released, out);
                }
                self.end_dialogue(tid, out);
                return;
            }
            // Nothing to say on a notification: keep the dialogue if it still has work.
            if done {
                self.end_dialogue(tid, out);
            } else {
                self.arm_timer(now, tid, out);
            }
            return;
        }
        if !rejects.is_empty() {
            self.send_rejects(tid, &rejects, done && actions.is_empty(), out);
            if done && actions.is_empty() {
                self.end_dialogue(tid, out);
                return;
            }
        }
        if actions.is_empty() && !done {
            self.arm_timer(now, tid, out);
            return;
        }
        let emit = if done || actions.contains(&Action::Close) { Emit::End } else { Emit::Continue };
        if self.send_actions(now, tid, &actions, emit, out).is_err() || emit == Emit::End {
            self.end_dialogue(tid, out);
        }
    }

    fn lookup<T: serde::de::DeserializeOwned>(
        &mut self,
        tree: &str,
        key: &str,
        out: &mut Outputs,
    ) -> Option<T> {
        match self.store.get::<T>(tree, key) {
            Ok(v) => v,
            Err(e) => {
                self.counters.store_errors += 1;
                out.event(None, EventKind::Note(e.to_string()));
                None
            }
        }
    }

    fn logic(&mut self, now: Instant, tid: u32, inc: &Incoming, out: &mut Outputs) -> Vec<Action> {
        let call = Some(u64::from(tid));
        let Some(service) = self.dialogues.get(&tid).map(|d| d.service.clone()) else { return vec![] };
        match (service, inc) {
            (Service::Done, Incoming::Originating { called, calling }) => {
                out.event(
                    call,
                    EventKind::CallAttempt { from: calling.clone().unwrap_or_default(), to: called.clone() },
                );
                let Some(tf) = self.lookup::<TollFree>(TOLL_FREE_TREE, called, out) else {
                    return vec![Action::Continue];
                };
                let minute = self.minute_of_day(now);
                match tf.translate(minute, calling.as_deref()) {
                    Some(to) => {
                        self.counters.translations += 1;
                        out.event(call, EventKind::Note(format!("iscp: {called} translated to {to}")));
                        let route = Action::Route { to: to.into(), redirecting: None };
                        if tf.monitor {
                            self.set_service(tid, Service::Monitoring);
                            vec![
                                route,
                                Action::Arm {
                                    request: vec![],
                                    notify: vec![Ev::OAnswer, Ev::ODisconnect],
                                    no_answer_s: 0,
                                },
                            ]
                        } else {
                            vec![route]
                        }
                    }
                    None => {
                        out.event(call, EventKind::Note(format!("iscp: {called} has no translation now")));
                        vec![Action::Disconnect]
                    }
                }
            }
            (Service::Done, Incoming::Terminating { called, calling }) => {
                out.event(
                    call,
                    EventKind::CallAttempt { from: calling.clone().unwrap_or_default(), to: called.clone() },
                );
                let sub = self.lookup::<Subscriber>(SUBSCRIBER_TREE, called, out).unwrap_or_default();
                let mut request = Vec::new();
                if sub.forward_on_busy.is_some() {
                    request.push(Ev::TBusy);
                }
                if sub.forward_on_no_answer.is_some() {
                    request.push(Ev::TNoAnswer);
                }
                if request.is_empty() {
                    return vec![Action::Authorize];
                }
                let no_answer_s = if sub.forward_on_no_answer.is_some() { sub.no_answer_s } else { 0 };
                if sub.forward_on_no_answer.is_some() {
                    // Wait for the SSP's no-answer timer (30 s when not provisioned) before giving up.
                    let ring =
                        Duration::from_secs(u64::from(if no_answer_s == 0 { 30 } else { no_answer_s }));
                    if let Some(d) = self.dialogues.get_mut(&tid) {
                        d.wait = Some(self.cfg.dialogue_timeout + ring);
                    }
                }
                self.set_service(
                    tid,
                    Service::Forwarding {
                        dn: called.clone(),
                        busy: sub.forward_on_busy,
                        no_answer: sub.forward_on_no_answer,
                    },
                );
                vec![Action::Arm { request, notify: vec![], no_answer_s }, Action::Authorize]
            }
            (
                Service::Forwarding { dn, busy, no_answer },
                Incoming::Report(ev @ (Ev::TBusy | Ev::TNoAnswer)),
            ) => {
                let to = if *ev == Ev::TBusy { busy } else { no_answer };
                let Some(to) = to else { return vec![Action::Continue, Action::Close] };
                self.counters.forwards += 1;
                out.event(call, EventKind::Note(format!("iscp: {dn} forwarded on {ev:?} to {to}")));
                self.set_service(tid, Service::Done);
                vec![Action::Route { to, redirecting: Some(dn) }]
            }
            (
                Service::Monitoring | Service::Forwarding { .. },
                Incoming::Report(Ev::ODisconnect | Ev::TDisconnect),
            ) => {
                self.set_service(tid, Service::Done);
                vec![Action::Close]
            }
            (Service::Initiated(c), inc) => self.c2c(now, tid, *c, inc, out),
            _ => vec![],
        }
    }

    /// The click-to-call program: one step of call `c` on dialogue `tid`.
    fn c2c(&mut self, now: Instant, tid: u32, mut c: C2c, inc: &Incoming, out: &mut Outputs) -> Vec<Action> {
        let hold = c.announcement.or_else(|| self.announcement_id("please-hold"));
        if c.cancelled {
            self.set_service(tid, Service::Done);
            return match inc {
                Incoming::Report(Ev::ODisconnect | Ev::TDisconnect) => vec![Action::Close],
                Incoming::Report(Ev::OAnswer) => vec![Action::Release(16)],
                _ => vec![Action::Release(31)],
            };
        }
        match (c.stage, inc) {
            (Stage::CallingA, Incoming::Report(Ev::OAnswer)) => {
                self.status(tid, CallStatus::CustomerAnswered, out);
                if let Some(id) = c.announcement {
                    // The customer goes to the IP and the representative is
                    // called at the same time, in the same message.
                    c.held = true;
                    self.status(tid, CallStatus::Announcing, out);
                    let mut actions = vec![Action::Resource { announcement: id }];
                    actions.extend(self.call_representative(tid, c, out));
                    actions
                } else {
                    self.call_representative(tid, c, out)
                }
            }
            (Stage::CallingB, Incoming::ResourceDone { .. }) if c.held => {
                // The representative still rings: the announcement repeats.
                self.counters.repeats += 1;
                self.set_service(tid, Service::Initiated(Box::new(c)));
                hold.map(|id| vec![Action::Resource { announcement: id }]).unwrap_or_default()
            }
            (Stage::Holding, Incoming::ResourceDone { .. }) => {
                match (c.give_up, self.cfg.apology.as_deref().and_then(|n| self.announcement_id(n)), hold) {
                    (true, Some(id), _) => {
                        c.stage = Stage::Apologizing;
                        self.set_service(tid, Service::Initiated(Box::new(c)));
                        vec![Action::Resource { announcement: id }]
                    }
                    (false, _, Some(id)) => {
                        // The announcement repeats while the customer waits.
                        self.counters.repeats += 1;
                        self.set_service(tid, Service::Initiated(Box::new(c)));
                        vec![Action::Resource { announcement: id }]
                    }
                    _ => self.no_representative(tid, out),
                }
            }
            (Stage::Apologizing, Incoming::ResourceDone { .. }) => self.no_representative(tid, out),
            (Stage::CallingB, Incoming::Report(Ev::TAnswer | Ev::OAnswer)) => {
                c.stage = Stage::Connected;
                self.set_service(tid, Service::Initiated(Box::new(c)));
                self.status(tid, CallStatus::Connected, out);
                vec![]
            }
            (Stage::CallingA, Incoming::Report(ev @ (Ev::OBusy | Ev::ONoAnswer))) => {
                let cause = cause_name(*ev).to_string();
                let attempt = c.attempt;
                let retry = attempt < self.cfg.customer_attempts;
                let retry_in_s = retry.then_some(self.cfg.customer_retry_interval.as_secs());
                self.status(
                    tid,
                    CallStatus::CustomerUnavailable { cause: cause.clone(), attempt, retry_in_s },
                    out,
                );
                if retry {
                    self.counters.retries += 1;
                    let n = self.next_retry;
                    self.next_retry += 1;
                    c.attempt += 1;
                    self.retries.insert(n, c);
                    out.set_timer(retry_timer(n), now.after(self.cfg.customer_retry_interval));
                } else {
                    let what = if cause == "busy" { "busy" } else { "not answering" };
                    let reason = format!("customer {what} after {attempt} attempt(s)");
                    self.status(tid, CallStatus::Failed { reason }, out);
                }
                self.set_service(tid, Service::Done);
                vec![Action::Release(31)]
            }
            (
                Stage::CallingB,
                Incoming::Report(ev @ (Ev::OBusy | Ev::ONoAnswer | Ev::TBusy | Ev::TNoAnswer)),
            ) => {
                let wait_s = self.cfg.next_representative_wait.as_secs();
                let unavailable = CallStatus::RepresentativeUnavailable {
                    representative: c.b.clone(),
                    cause: cause_name(*ev).into(),
                    wait_s,
                };
                self.status(tid, unavailable, out);
                c.stage = Stage::Holding;
                c.give_up = false;
                let held = c.held;
                c.held = c.held || hold.is_some();
                self.set_service(tid, Service::Initiated(Box::new(c)));
                out.set_timer(next_rep_timer(tid), now.after(self.cfg.next_representative_wait));
                match hold {
                    // Still on the IP: the announcement goes on.
                    Some(_) if held => vec![],
                    Some(id) => {
                        self.status(tid, CallStatus::Announcing, out);
                        vec![Action::Resource { announcement: id }]
                    }
                    None => self.no_representative(tid, out),
                }
            }
            (_, Incoming::Report(Ev::OBusy | Ev::ONoAnswer | Ev::TBusy | Ev::TNoAnswer)) => {
                self.status(tid, CallStatus::Failed { reason: "busy or not answering".into() }, out);
                self.set_service(tid, Service::Done);
                vec![Action::Release(16)]
            }
            (_, Incoming::Report(Ev::ODisconnect | Ev::TDisconnect)) => {
                self.status(tid, CallStatus::Released, out);
                self.set_service(tid, Service::Done);
                vec![Action::Close]
            }
            _ => vec![],
        }
    }

    /// Calls the representative of `c`, whose customer answered. A customer
    /// who holds on the IP stays there: the representative is the call's
    /// second leg (Create_Call / InitiateCallAttempt in the dialogue), its
    /// busy, no answer and answer reported as notifications; the SSP bridges
    /// the two and releases the IP at the answer. Otherwise the customer is
    /// routed to the representative (Analyze_Route / Connect).
    fn call_representative(&mut self, tid: u32, mut c: C2c, out: &mut Outputs) -> Vec<Action> {
        let (to, customer, held) = (c.b.clone(), c.a.clone(), c.held);
        c.stage = Stage::CallingB;
        self.set_service(tid, Service::Initiated(Box::new(c)));
        let wait = self.ringing_wait().max(self.cfg.dialogue_timeout + self.cfg.representative_ring_limit);
        if let Some(d) = self.dialogues.get_mut(&tid) {
            d.wait = Some(wait);
        }
        self.status(tid, CallStatus::CallingRepresentative, out);
        if held {
            return vec![
                Action::Arm {
                    request: vec![],
                    notify: vec![Ev::OBusy, Ev::ONoAnswer, Ev::TAnswer],
                    no_answer_s: self.cfg.no_answer_s,
                },
                Action::CreateCall { called: to, calling: customer },
            ];
        }
        vec![
            Action::Arm {
                request: vec![Ev::OBusy, Ev::ONoAnswer],
                notify: vec![Ev::TAnswer],
                no_answer_s: self.cfg.no_answer_s,
            },
            Action::Route { to, redirecting: None },
        ]
    }

    /// Nobody came for the waiting customer: release (cause 16) and fail.
    fn no_representative(&mut self, tid: u32, out: &mut Outputs) -> Vec<Action> {
        let reason = "no representative available".to_string();
        self.status(tid, CallStatus::Failed { reason }, out);
        self.set_service(tid, Service::Done);
        vec![Action::Release(16)]
    }

    /// The wait for a next representative ran out: apologise after the current announcement.
    fn next_rep_timeout(&mut self, tid: u32, out: &mut Outputs) {
        let Some(d) = self.dialogues.get_mut(&tid) else { return };
        if let Service::Initiated(c) = &mut d.service {
            if c.stage == Stage::Holding {
                c.give_up = true;
                out.event(
                    Some(u64::from(tid)),
                    EventKind::Note(format!("iscp: call {}: no next representative in time", c.call_id)),
                );
            }
        }
    }

    /// A retry is due: call the customer again.
    fn retry(&mut self, now: Instant, n: u64, out: &mut Outputs) {
        let Some(c) = self.retries.remove(&n) else { return };
        let (call_id, osn, attempt) = (c.call_id, c.osn, c.attempt);
        out.event(
            Some(call_id),
            EventKind::Note(format!("iscp: call {call_id}: calling the customer again (attempt {attempt})")),
        );
        match self.initiate(now, c, out) {
            Ok(tid) => self.status(tid, CallStatus::CallingCustomer, out),
            Err(reason) => self.send_status(call_id, osn, None, CallStatus::Failed { reason }, out),
        }
    }

    /// The tid of the open dialogue of OSN call `call_id`.
    fn c2c_tid(&self, call_id: u64) -> Option<u32> {
        self.dialogues.iter().find_map(|(t, d)| match &d.service {
            Service::Initiated(c) if c.osn && c.call_id == call_id => Some(*t),
            _ => None,
        })
    }

    /// `next_representative` from the business: a customer holding on the
    /// IP has `rep` called at once (the announcement goes on); before the
    /// first representative is called, `rep` just replaces the number.
    fn next_representative(&mut self, now: Instant, call_id: u64, rep: String, out: &mut Outputs) {
        if let Some(c) = self.retries.values_mut().find(|c| c.osn && c.call_id == call_id) {
            c.b = rep;
            return;
        }
        let Some(tid) = self.c2c_tid(call_id) else {
            out.event(
                Some(call_id),
                EventKind::Note(format!("iscp: next representative for unknown call {call_id}")),
            );
            return;
        };
        let Some(Service::Initiated(c)) = self.dialogues.get_mut(&tid).map(|d| &mut d.service) else {
            return;
        };
        match c.stage {
            Stage::Holding if c.held => {
                out.event(
                    Some(u64::from(tid)),
                    EventKind::Note(format!("iscp: call {call_id}: next representative {rep}")),
                );
                c.b = rep;
                c.give_up = false;
                let c = c.clone();
                out.cancel_timer(next_rep_timer(tid));
                let actions = self.call_representative(tid, *c, out);
                if self.send_actions(now, tid, &actions, Emit::Continue, out).is_err() {
                    self.end_dialogue(tid, out);
                }
            }
            Stage::CallingA => c.b = rep,
            _ => out.event(
                Some(u64::from(tid)),
                EventKind::Note(format!("iscp: call {call_id}: next representative {rep} ignored now")),
            ),
        }
    }

    /// `cancel` from the business: release every leg, close the dialogue.
    fn cancel(&mut self, now: Instant, call_id: u64, out: &mut Outputs) {
        if let Some(n) = self.retries.iter().find(|(_, c)| c.osn && c.call_id == call_id).map(|(n, _)| *n) {
            self.retries.remove(&n);
            out.cancel_timer(retry_timer(n));
            self.counters.cancelled += 1;
            self.send_status(call_id, true, None, CallStatus::Cancelled, out);
            return;
        }
        let Some(tid) = self.c2c_tid(call_id) else {
            out.event(Some(call_id), EventKind::Note(format!("iscp: cancel for unknown call {call_id}")));
            return;
        };
        self.counters.cancelled += 1;
        let unanswered = self.dialogues.get(&tid).is_some_and(|d| d.peer_tid.is_none());
        if unanswered {
            // No transaction ID of the SSP's to address yet: the release goes
            // with the answer to its first report (the customer's answer,
            // busy or no answer).
            self.status(tid, CallStatus::Cancelled, out);
            if let Some(Service::Initiated(c)) = self.dialogues.get_mut(&tid).map(|d| &mut d.service) {
                c.cancelled = true;
            }
            out.event(
                Some(u64::from(tid)),
                EventKind::Note(format!(
                    "iscp: call {call_id} cancelled; released at the SSP's first report"
                )),
            );
            return;
        }
        let answered = matches!(
            self.dialogues.get(&tid).map(|d| &d.service),
            Some(Service::Initiated(c)) if c.stage != Stage::CallingA
        );
        self.status(tid, CallStatus::Cancelled, out);
        self.set_service(tid, Service::Done);
        // Q.850: 16 normal clearing once the customer answered, else 31 normal, unspecified.
        let cause = if answered { 16 } else { 31 };
        let _ = self.send_actions(now, tid, &[Action::Release(cause)], Emit::End, out);
        self.end_dialogue(tid, out);
    }

    fn set_service(&mut self, tid: u32, s: Service) {
        if let Some(d) = self.dialogues.get_mut(&tid) {
            d.service = s;
        }
    }

    fn status(&mut self, tid: u32, status: CallStatus, out: &mut Outputs) {
        let Some(Service::Initiated(c)) = self.dialogues.get(&tid).map(|d| &d.service) else {
            return;
        };
        if c.cancelled {
            // The business was told `cancelled`; nothing more.
            return;
        }
        let (call_id, osn) = (c.call_id, c.osn);
        self.send_status(call_id, osn, Some(tid), status, out);
    }

    fn send_status(
        &mut self,
        call_id: u64,
        osn: bool,
        tid: Option<u32>,
        status: CallStatus,
        out: &mut Outputs,
    ) {
        out.event(
            tid.map(u64::from).or(Some(call_id)),
            EventKind::Note(format!("iscp: initiated call {call_id}: {status:?}")),
        );
        if let (true, Some(port)) = (osn, self.cfg.osn_port) {
            out.send(port, OsnMessage::CallStatus { call_id, status }.emit());
        }
    }

    fn fail_initiated(&mut self, tid: u32, reason: &str, out: &mut Outputs) {
        self.status(tid, CallStatus::Failed { reason: reason.into() }, out);
    }

    /// Arms the dialogue timer: [`IscpConfig::dialogue_timeout`] while the
    /// ISCP waits for the SSP to act, [`IscpConfig::call_guard`] while a call
    /// is simply up (a conversation may last long; only its end is awaited).
    fn arm_timer(&mut self, now: Instant, tid: u32, out: &mut Outputs) {
        let Some(dlg) = self.dialogues.get(&tid) else { return };
        let quiet = matches!(&dlg.service, Service::Monitoring)
            || matches!(&dlg.service, Service::Initiated(c) if c.stage == Stage::Connected);
        let d = if quiet { self.cfg.call_guard } else { dlg.wait.unwrap_or(self.cfg.dialogue_timeout) };
        out.set_timer(timer(tid), now.after(d));
    }

    fn end_dialogue(&mut self, tid: u32, out: &mut Outputs) {
        if self.dialogues.remove(&tid).is_some() {
            out.cancel_timer(timer(tid));
            out.cancel_timer(next_rep_timer(tid));
        }
    }

    fn timeout(&mut self, tid: u32, out: &mut Outputs) {
        let Some(d) = self.dialogues.get(&tid).cloned() else { return };
        self.counters.timeouts += 1;
        out.event(
            Some(u64::from(tid)),
            EventKind::Note(format!("iscp: dialogue {tid:08x} timed out, aborting")),
        );
        self.fail_initiated(tid, "dialogue timeout", out);
        self.dialogues.remove(&tid);
        out.cancel_timer(next_rep_timer(tid));
        let Some(peer) = d.peer_tid else { return };
        match d.variant {
            Variant::Ansi => {
                // A TC-user abort. User abort information [PRIVATE 24] holding an
                // EXTERNAL (as Wireshark reads it) with one octet-aligned octet: 1, timeout.
                let m = ansi::Message {
                    package_type: ansi::PackageType::Abort,
                    form: Default::default(),
                    transaction_id: peer,
                    dialogue: None,
                    components: None,
                    abort_cause: Some(ansi::AbortCause::UserAbort(vec![
                        0xf8, 0x05, 0x28, 0x03, 0x81, 0x01, 0x01,
                    ])),
                };
                self.send_tcap(&TcapRepr::Ansi(m), d.peer_pc, d.peer_ssn, out);
            }
            Variant::Itu => {
                let m = itu::Message {
                    message_type: itu::MessageType::Abort,
                    form: Default::default(),
                    otid: None,
                    dtid: Some(peer),
                    p_abort_cause: None,
                    dialogue: Some(itu::DialoguePortion::new(itu::DialoguePdu::Abrt(itu::Abrt {
                        form: Default::default(),
                        abort_source: 0,
                        user_information: None,
                    }))),
                    components: None,
                };
                self.send_tcap(&TcapRepr::Itu(m), d.peer_pc, d.peer_ssn, out);
            }
        }
    }

    fn send_rejects(&mut self, tid: u32, rejects: &[(Option<u8>, u16)], end: bool, out: &mut Outputs) {
        let Some(d) = self.dialogues.get(&tid).cloned() else { return };
        self.counters.rejects_sent += rejects.len() as u64;
        let tcap = match d.variant {
            Variant::Ansi => {
                let comps = rejects
                    .iter()
                    .map(|(id, problem)| {
                        ansi::Component::Reject(ansi::Reject {
                            form: Default::default(),
                            component_ids: id.map(|i| vec![i]).unwrap_or_default(),
                            problem: *problem,
                            parameter: None,
                        })
                    })
                    .collect();
                TcapRepr::Ansi(self.ansi_package(
                    tid,
                    &d,
                    if end { Emit::End } else { Emit::Continue },
                    comps,
                ))
            }
            Variant::Itu => {
                let comps = rejects
                    .iter()
                    .map(|(id, problem)| {
                        itu::Component::Reject(itu::Reject {
                            form: Default::default(),
                            invoke_id: id.map(i64::from),
                            problem_type: itu::ProblemType::Invoke,
                            problem_code: i64::from(problem & 0xff),
                        })
                    })
                    .collect();
                TcapRepr::Itu(self.itu_message(tid, &d, if end { Emit::End } else { Emit::Continue }, comps))
            }
        };
        self.send_tcap(&tcap, d.peer_pc, d.peer_ssn, out);
        if let Some(d) = self.dialogues.get_mut(&tid) {
            d.aare = None;
        }
    }

    fn ansi_package(&self, tid: u32, d: &Dialogue, emit: Emit, comps: Vec<ansi::Component>) -> ansi::Message {
        let ours = tid.to_be_bytes().to_vec();
        let peer = d.peer_tid.clone().unwrap_or_default();
        let (package_type, transaction_id) = match emit {
            Emit::Begin => (ansi::PackageType::QueryWithPerm, ours),
            Emit::Continue => (ansi::PackageType::ConversationWithPerm, [ours, peer].concat()),
            Emit::End => (ansi::PackageType::Response, peer),
        };
        ansi::Message {
            package_type,
            form: Default::default(),
            transaction_id,
            dialogue: None,
            components: (!comps.is_empty()).then(|| ansi::ComponentSequence::new(comps)),
            abort_cause: None,
        }
    }

    fn itu_message(&self, tid: u32, d: &Dialogue, emit: Emit, comps: Vec<itu::Component>) -> itu::Message {
        let ours = tid.to_be_bytes().to_vec();
        let (message_type, otid, dtid) = match emit {
            Emit::Begin => (itu::MessageType::Begin, Some(ours), None),
            Emit::Continue => (itu::MessageType::Continue, Some(ours), d.peer_tid.clone()),
            Emit::End => (itu::MessageType::End, None, d.peer_tid.clone()),
        };
        let dialogue = match (&emit, &d.aare) {
            (Emit::Begin, _) => {
                Some(itu::DialoguePortion::new(itu::DialoguePdu::Aarq(itu::Aarq::new(inap_acn()))))
            }
            (_, Some(acn)) => Some(itu::DialoguePortion::new(itu::DialoguePdu::Aare(itu::Aare {
                form: Default::default(),
                protocol_version: Some(vec![0x07, 0x80]),
                acn_form: Default::default(),
                application_context: acn.clone(),
                result_form: Default::default(),
                result: 0,
                diagnostic_form: Default::default(),
                diagnostic_choice_form: Default::default(),
                diagnostic_source: itu::DiagnosticSource::ServiceUser,
                diagnostic: 0,
                user_information: None,
            }))),
            _ => None,
        };
        itu::Message {
            message_type,
            form: Default::default(),
            otid,
            dtid,
            p_abort_cause: None,
            dialogue,
            components: (!comps.is_empty()).then(|| itu::ComponentPortion::new(comps)),
        }
    }

    fn send_actions(
        &mut self,
        now: Instant,
        tid: u32,
        actions: &[Action],
        emit: Emit,
        out: &mut Outputs,
    ) -> Result<(), String> {
        let Some(mut d) = self.dialogues.get(&tid).cloned() else { return Err("iscp: no dialogue".into()) };
        let tcap = match d.variant {
            Variant::Ansi => {
                let mut comps = Vec::new();
                let n = actions.len();
                for (i, a) in actions.iter().enumerate() {
                    let op = ansi_op(a, &self.cfg);
                    let id = d.next_invoke;
                    d.next_invoke = d.next_invoke.wrapping_add(1).max(1);
                    let inv = ansi::Invoke {
                        form: Default::default(),
                        component_ids: vec![id],
                        opcode: ansi::OpCode::Private(op.opcode.code()),
                        parameter: op.parameter_bytes().map_err(|e| e.to_string())?,
                    };
                    comps.push(if i + 1 == n {
                        ansi::Component::InvokeLast(inv)
                    } else {
                        ansi::Component::InvokeNotLast(inv)
                    });
                }
                TcapRepr::Ansi(self.ansi_package(tid, &d, emit, comps))
            }
            Variant::Itu => {
                let mut comps = Vec::new();
                for a in actions {
                    for op in itu_ops(a, &self.cfg) {
                        let id = d.next_invoke;
                        d.next_invoke = d.next_invoke.wrapping_add(1).max(1);
                        comps.push(itu::Component::Invoke(itu::Invoke {
                            form: Default::default(),
                            invoke_id: i64::from(id),
                            linked_id: None,
                            opcode: itu::Code::Local(op.opcode.code()),
                            parameter: op.argument_bytes().map_err(|e| e.to_string())?,
                        }));
                    }
                }
                TcapRepr::Itu(self.itu_message(tid, &d, emit, comps))
            }
        };
        d.aare = None;
        let (pc, ssn) = (d.peer_pc, d.peer_ssn);
        self.dialogues.insert(tid, d);
        if !self.send_tcap(&tcap, pc, ssn, out) {
            return Err("iscp: could not send".into());
        }
        if emit != Emit::End {
            self.arm_timer(now, tid, out);
        }
        Ok(())
    }

    fn recv_osn(&mut self, now: Instant, bytes: &[u8], out: &mut Outputs) {
        match OsnMessage::parse(bytes) {
            Ok(OsnMessage::CallSetup { call_id, business, customer, representative, announcement }) => {
                out.event(
                    Some(call_id),
                    EventKind::Note(format!(
                        "iscp: call setup for {business}: {customer} then {representative}"
                    )),
                );
                let started = self
                    .new_c2c(call_id, &customer, &representative, announcement.as_deref(), true)
                    .and_then(|c| self.initiate(now, c, out));
                match started {
                    Ok(tid) => self.status(tid, CallStatus::CallingCustomer, out),
                    Err(reason) => {
                        if let Some(port) = self.cfg.osn_port {
                            out.send(
                                port,
                                OsnMessage::CallStatus { call_id, status: CallStatus::Failed { reason } }
                                    .emit(),
                            );
                        }
                    }
                }
            }
            Ok(OsnMessage::NextRepresentative { call_id, representative }) => {
                self.next_representative(now, call_id, representative, out);
            }
            Ok(OsnMessage::Cancel { call_id }) => self.cancel(now, call_id, out),
            Ok(other) => out.event(None, EventKind::Note(format!("iscp: OSN message ignored: {other:?}"))),
            Err(e) => self.drop_frame(out, e.to_string(), bytes),
        }
    }
}

/// The originating transaction ID of a message whose later parts are
/// broken: package tag, length, then the transaction ID element first
/// (ANSI `0xC7`, first 4 octets; ITU otid `0x48`).
fn salvage_otid(data: &[u8]) -> Option<(tcap::Kind, Vec<u8>)> {
    let &first = data.first()?;
    let kind = match (ansi::PackageType::from_octet(first), itu::MessageType::from_octet(first)) {
        (Some(p), _) => tcap::Kind::Ansi(p),
        (None, Some(m)) => tcap::Kind::Itu(m),
        _ => return None,
    };
    let &l = data.get(1)?;
    let at = 2 + if l & 0x80 != 0 { usize::from(l & 0x7f) } else { 0 };
    let (&tag, &len) = (data.get(at)?, data.get(at + 1)?);
    let id = data.get(at + 2..at + 2 + usize::from(len))?;
    match kind {
        tcap::Kind::Ansi(_) if tag == 0xc7 && id.len() >= 4 => Some((kind, id[..4].to_vec())),
        tcap::Kind::Itu(_) if tag == 0x48 && (1..=4).contains(&id.len()) => Some((kind, id.to_vec())),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Emit {
    Begin,
    Continue,
    End,
}

fn inap_acn() -> tcap::Oid {
    // ETSI INAP CS-1 SSF to SCF generic application context (0.4.0.1.1.0.0.0).
    tcap::Oid::new(&[0, 4, 0, 1, 1, 0, 0, 0])
}

fn edp_bits(evs: &[Ev]) -> Value {
    // 21 named bits (oCalledPartyBusy .. tDTMFEntered): 3 octets, 3 unused bits.
    let mut bits = vec![0u8; 3];
    for e in evs {
        let b = e.ain_bit();
        bits[b / 8] |= 0x80 >> (b % 8);
    }
    Value::Bits { unused_bits: 3, bits }
}

fn ansi_op(a: &Action, cfg: &IscpConfig) -> AinOperation {
    use AinParameter as P;
    match a {
        Action::Route { to, redirecting } => {
            let mut p = vec![P::digits(Param::CalledPartyId, AinDigits::national(to))];
            if let Some(r) = redirecting {
                p.push(P::digits(Param::RedirectingPartyId, AinDigits::national(r)));
            }
            AinOperation::new(AinOpcode::AnalyzeRoute, p)
        }
        Action::Authorize => AinOperation::new(AinOpcode::AuthorizeTermination, vec![]),
        Action::Continue => AinOperation::new(AinOpcode::Continue, vec![]),
        Action::Disconnect | Action::Release(_) => AinOperation::new(AinOpcode::Disconnect, vec![]),
        Action::Resource { announcement } => AinOperation::new(
            AinOpcode::SendToResource,
            vec![
                P::int(Param::ResourceType, 0),
                P::new(
                    Param::StrParameterBlock,
                    Value::StrParameterBlock(StrParameterBlock::AnnouncementBlock(AnnouncementBlock {
                        uninterruptible: Some(vec![Octets(vec![
                            (announcement >> 8) as u8,
                            *announcement as u8,
                            0x01,
                        ])]),
                        interruptible: None,
                    })),
                ),
                P::digits(Param::DestinationAddress, AinDigits::national(&cfg.ip_number)),
            ],
        ),
        Action::Arm { request, notify, no_answer_s } => {
            let mut p = Vec::new();
            if !request.is_empty() {
                p.push(P::new(Param::EdpRequest, edp_bits(request)));
            }
            if !notify.is_empty() {
                p.push(P::new(Param::EdpNotification, edp_bits(notify)));
            }
            if *no_answer_s > 0 {
                p.push(P::int(Param::TNoAnswerTimer, i64::from(*no_answer_s)));
            }
            AinOperation::new(AinOpcode::RequestReportBcmEvent, p)
        }
        Action::CreateCall { called, calling } => AinOperation::new(
            AinOpcode::CreateCall,
            vec![
                P::digits(Param::CalledPartyId, AinDigits::national(called)),
                P::digits(Param::CallingPartyId, AinDigits::national(calling)),
            ],
        ),
        Action::Close => AinOperation::new(AinOpcode::Close, vec![P::int(Param::CloseCause, 0)]),
    }
}

fn itu_ops(a: &Action, cfg: &IscpConfig) -> Vec<InapOperation> {
    use InapElement as E;
    use InapField as F;
    use InapValue as V;
    let events = |evs: &[Ev], mode: i64| {
        evs.iter()
            .map(|e| BcsmEvent {
                event_type: e.inap(),
                monitor_mode: mode,
                leg_id: None,
                dp_specific_criteria: None,
            })
            .collect::<Vec<_>>()
    };
    match a {
        Action::Route { to, redirecting } => {
            let mut els =
                vec![E::new(F::DestinationRoutingAddress, V::Numbers(vec![IsupNumber::national(to)]))];
            if let Some(r) = redirecting {
                els.push(E::new(F::OriginalCalledPartyId, V::Number(IsupNumber::national(r))));
            }
            vec![InapOperation::new(InapOpcode::Connect, els)]
        }
        Action::Authorize | Action::Continue => {
            vec![InapOperation { opcode: InapOpcode::Continue, argument: None }]
        }
        Action::Disconnect => vec![InapOperation {
            opcode: InapOpcode::ReleaseCall,
            argument: Some(InapArgument::Cause(Cause::new(0, 31))),
        }],
        Action::Release(cause) => vec![InapOperation {
            opcode: InapOpcode::ReleaseCall,
            argument: Some(InapArgument::Cause(Cause::new(0, *cause))),
        }],
        Action::Resource { announcement } => vec![
            InapOperation::new(
                InapOpcode::ConnectToResource,
                vec![E::new(F::IpRoutingAddress, V::Number(IsupNumber::national(&cfg.ip_number)))],
            ),
            InapOperation::new(
                InapOpcode::PlayAnnouncement,
                vec![
                    E::new(
                        F::InformationToSend,
                        V::InformationToSend(InformationToSend::InbandInfo {
                            message_id: i64::from(*announcement),
                            number_of_repetitions: Some(1),
                            duration: None,
                            interval: None,
                        }),
                    ),
                    E::new(F::DisconnectFromIpForbidden, V::Boolean(false)),
                    E::new(F::RequestAnnouncementComplete, V::Boolean(true)),
                ],
            ),
        ],
        Action::Arm { request, notify, no_answer_s } => {
            let mut evs = events(request, 0);
            evs.extend(events(notify, 1));
            if *no_answer_s > 0 {
                // DPSpecificCriteria [30] { applicationTimer [1] INTEGER (seconds) }.
                let n = (*no_answer_s).min(32_767);
                let timer =
                    if n < 128 { vec![0x81, 1, n as u8] } else { vec![0x81, 2, (n >> 8) as u8, n as u8] };
                let no_answer = [Ev::TNoAnswer.inap(), Ev::ONoAnswer.inap()];
                for e in evs.iter_mut().filter(|e| no_answer.contains(&e.event_type)) {
                    e.dp_specific_criteria = Some(Octets(timer.clone()));
                }
            }
            vec![InapOperation::new(
                InapOpcode::RequestReportBcsmEvent,
                vec![E::new(F::BcsmEvents, V::BcsmEvents(evs))],
            )]
        }
        Action::CreateCall { called, calling } => vec![InapOperation::new(
            InapOpcode::InitiateCallAttempt,
            vec![
                E::new(F::DestinationRoutingAddress, V::Numbers(vec![IsupNumber::national(called)])),
                E::new(F::CallingPartyNumber, V::Number(IsupNumber::national(calling))),
            ],
        )],
        Action::Close => vec![],
    }
}

/// T1.114 problem codes (type, specifier): invoke / unrecognized operation code, incorrect parameter.
const ANSI_UNRECOGNIZED_OP: u16 = 0x0202;
const ANSI_INCORRECT_PARAMETER: u16 = 0x0203;
/// Q.773 InvokeProblem: unrecognizedOperation (1), mistypedParameter (2).
const ITU_UNRECOGNIZED_OP: u16 = 1;
const ITU_MISTYPED_PARAMETER: u16 = 2;

/// `None`: not an invoke; `Some(Err(problem))`: reject it.
fn ansi_incoming(c: &ansi::Component) -> Option<Result<Incoming, u16>> {
    let (ansi::Component::InvokeLast(inv) | ansi::Component::InvokeNotLast(inv)) = c else { return None };
    let ansi::OpCode::Private(code) = inv.opcode else { return Some(Err(ANSI_UNRECOGNIZED_OP)) };
    let Ok(op) = AinOperation::parse(code, inv.parameter.as_deref()) else {
        return Some(Err(ANSI_INCORRECT_PARAMETER));
    };
    let digits = |p: Param| op.digits(p).map(|d| d.digits.clone());
    Some(Ok(match op.opcode {
        AinOpcode::InfoAnalyzed | AinOpcode::InfoCollected => {
            let Some(called) = digits(Param::CalledPartyId).or_else(|| digits(Param::CollectedAddressInfo))
            else {
                return Some(Err(ANSI_INCORRECT_PARAMETER));
            };
            Incoming::Originating { called, calling: digits(Param::CallingPartyId) }
        }
        AinOpcode::TerminationAttempt => {
            let called = digits(Param::CalledPartyId).or_else(|| match op.get(Param::UserId) {
                Some(Value::UserId(ainsim_wire::ain::UserId::Dn(dn))) => Some(dn.clone()),
                _ => None,
            });
            let Some(called) = called else { return Some(Err(ANSI_INCORRECT_PARAMETER)) };
            Incoming::Terminating { called, calling: digits(Param::CallingPartyId) }
        }
        AinOpcode::ResourceClear => Incoming::ResourceDone { digits: digits(Param::CollectedDigits) },
        AinOpcode::Close => Incoming::Ignored,
        AinOpcode::Unknown(_) => return Some(Err(ANSI_UNRECOGNIZED_OP)),
        other => match Ev::from_ain(other) {
            Some(e) => Incoming::Report(e),
            None => Incoming::Ignored,
        },
    }))
}

fn itu_incoming(c: &itu::Component) -> Option<Result<Incoming, u16>> {
    let itu::Component::Invoke(inv) = c else { return None };
    let itu::Code::Local(code) = inv.opcode else { return Some(Err(ITU_UNRECOGNIZED_OP)) };
    let Ok(op) = InapOperation::parse(code, inv.parameter.as_deref()) else {
        return Some(Err(ITU_MISTYPED_PARAMETER));
    };
    let number = |f: InapField| match op.get(f) {
        Some(InapValue::Number(n)) => Some(n.digits.clone()),
        _ => None,
    };
    let int = |f: InapField| match op.get(f) {
        Some(InapValue::Integer(n)) => Some(*n),
        _ => None,
    };
    Some(Ok(match op.opcode {
        InapOpcode::InitialDp => {
            let Some(called) =
                number(InapField::CalledPartyNumber).or_else(|| number(InapField::DialledDigits))
            else {
                return Some(Err(ITU_MISTYPED_PARAMETER));
            };
            let calling = number(InapField::CallingPartyNumber);
            if int(InapField::EventTypeBcsm) == Some(12) {
                Incoming::Terminating { called, calling }
            } else {
                Incoming::Originating { called, calling }
            }
        }
        InapOpcode::EventReportBcsm => match int(InapField::EventTypeBcsm).and_then(Ev::from_inap) {
            Some(e) => Incoming::Report(e),
            None => Incoming::Ignored,
        },
        InapOpcode::SpecializedResourceReport => Incoming::ResourceDone { digits: None },
        InapOpcode::Unknown(_) => return Some(Err(ITU_UNRECOGNIZED_OP)),
        _ => Incoming::Ignored,
    }))
}

impl Element for Iscp {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn counter_values(&self) -> Vec<(String, u64)> {
        let c = self.counters();
        crate::named_counters!(c; received, dropped, malformed, aborts_sent, rejects_sent, timeouts, translations, forwards, initiated, retries, repeats, cancelled, store_errors)
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start => {
                // A restart forgets every dialogue (their timers were dropped by the runtime).
                self.dialogues.clear();
                self.retries.clear();
            }
            Input::Recv { port, bytes } if Some(port) == self.cfg.osn_port => self.recv_osn(now, bytes, out),
            Input::Recv { port, bytes } if self.sp.is_link(port) => self.recv_ss7(now, bytes, out),
            Input::Recv { port, bytes } => {
                let r = format!("iscp: frame on unknown port {}", port.0);
                self.drop_frame(out, r, bytes);
            }
            Input::LinkState { port, up } => self.sp.set_link_state(port, up),
            Input::Timer(TimerId(id)) => {
                let tid = u32::try_from(id >> 8);
                match (id & 0xff, tid) {
                    (TIMER_DIALOGUE, Ok(tid)) => self.timeout(tid, out),
                    (TIMER_NEXT_REP, Ok(tid)) => self.next_rep_timeout(tid, out),
                    (TIMER_RETRY, _) => self.retry(now, id >> 8, out),
                    _ => {}
                }
            }
        }
    }
}

/// The ISCP can move to a runtime thread (the tokio runtime's actors).
const _: fn() = || {
    fn is_send<T: Send>() {}
    is_send::<Iscp>();
    is_send::<crate::ip::Ip>();
};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_by_window_and_origin() {
        let tf = TollFree {
            rules: vec![
                TollFreeRule { to: "9175550123".into(), start: None, end: None, origins: vec!["201".into()] },
                TollFreeRule {
                    to: "2125550142".into(),
                    start: Some("09:00".into()),
                    end: Some("17:00".into()),
                    origins: vec![],
                },
                TollFreeRule {
                    to: "2125550143".into(),
                    start: Some("17:00".into()),
                    end: Some("09:00".into()),
                    origins: vec![],
                },
            ],
            default: None,
            monitor: false,
        };
        assert_eq!(tf.translate(10 * 60, Some("2125551234")), Some("2125550142"));
        assert_eq!(tf.translate(20 * 60, Some("2125551234")), Some("2125550143"));
        assert_eq!(tf.translate(3 * 60, None), Some("2125550143"));
        assert_eq!(tf.translate(10 * 60, Some("2015550100")), Some("9175550123"));
        let bad = TollFreeRule { to: "1".into(), start: Some("25:00".into()), end: None, origins: vec![] };
        assert!(!bad.matches(0, None));
    }

    fn fuzz_iscp(variant: Variant) -> Iscp {
        let pc = if variant == Variant::Ansi { PointCode::ansi(1, 1, 50) } else { PointCode(500) };
        let ssp = if variant == Variant::Ansi { PointCode::ansi(1, 1, 1) } else { PointCode(100) };
        let mut cfg = IscpConfig::new("ISCP", pc, variant, ssp);
        cfg.linksets = vec![(ssp, vec![Port(0)])];
        cfg.osn_port = Some(Port(9));
        Iscp::new(cfg, Box::new(ainsim_store::MemStore::new()))
    }

    /// An MSU from the SSP carrying `tcap` in a UDT, so the bytes reach the TCAP layer.
    fn wrapped(variant: Variant, tcap: &[u8]) -> Vec<u8> {
        let (from, to) = if variant == Variant::Ansi {
            (PointCode::ansi(1, 1, 1), PointCode::ansi(1, 1, 50))
        } else {
            (PointCode(100), PointCode(500))
        };
        let udt = SccpRepr::Udt(sccp::Udt {
            protocol_class: ProtocolClass { class: 0, return_on_error: false, spare: 0 },
            called_party: Address::pc_ssn(variant, to, 248),
            calling_party: Address::pc_ssn(variant, from, 248),
            data: tcap.to_vec(),
        });
        let sp = SignallingPoint::new(from, variant, 2);
        sp.build(3, to, 0, &udt.to_bytes(variant).unwrap()).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn handle_never_panics(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80), ansi in proptest::prelude::any::<bool>()) {
            let variant = if ansi { Variant::Ansi } else { Variant::Itu };
            let mut iscp = fuzz_iscp(variant);
            let mut out = Outputs::new();
            iscp.handle(Instant::ZERO, Input::Recv { port: Port(0), bytes: &b }, &mut out);
            iscp.handle(Instant::ZERO, Input::Recv { port: Port(9), bytes: &b }, &mut out);
            // TCAP-shaped: a real package tag in front of the noise.
            for tag in [0xe2u8, 0xe5, 0x62, 0x65] {
                let t = [&[tag, b.len().min(127) as u8][..], &b].concat();
                iscp.handle(Instant::ZERO, Input::Recv { port: Port(0), bytes: &wrapped(variant, &t) }, &mut out);
            }
            iscp.handle(Instant(20_000_000), Input::Timer(TimerId(1 << 8 | 1)), &mut out);
        }
    }

    #[test]
    fn edp_bits_follow_gr1299_order() {
        assert_eq!(
            edp_bits(&[Ev::TBusy, Ev::TNoAnswer]),
            Value::Bits { unused_bits: 3, bits: vec![0x0c, 0, 0] }
        );
        assert_eq!(
            edp_bits(&[Ev::OAnswer, Ev::ODisconnect]),
            Value::Bits { unused_bits: 3, bits: vec![0x10, 0x10, 0] }
        );
    }
}
