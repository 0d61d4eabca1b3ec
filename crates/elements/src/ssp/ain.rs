//! The SSP's AIN 0.2 call model (GR-1298 / GR-1299) over ANSI TCAP (T1.114).
//!
//! What it does:
//!
//! - **Trigger detection points**: Info_Analyzed on a numbering-plan rule
//!   with `trigger = "info_analyzed"` (an 800 number), Termination_Attempt on
//!   the lines listed in [`AinConfig::termination_attempt`], and the
//!   ISCP-initiated **Create_Call** (a QueryWithPerm from the ISCP): the
//!   switch rings the called line, caller ID = the CallingPartyID.
//! - **TCAP**: each trigger opens a dialogue (QueryWithPerm) toward the
//!   ISCP: SCCP UDT class 0, called party = the ISCP's global title (routed
//!   by the STP's GTT) or its PC + SSN, calling party = our PC + SSN.
//! - **Instructions**: Analyze_Route (route to the CalledPartyID by ordinary
//!   digit analysis, the Info_Analyzed trigger not re-detected),
//!   Authorize_Termination / Continue (carry on as if the trigger were not
//!   armed), Disconnect (release: cause 16 once answered, else 31),
//!   Send_To_Resource (seize a trunk toward DestinationAddress + the first
//!   announcement's id in decimal, the IP's convention), Create_Call (in
//!   an open dialogue whose party answered: the call's **second leg**,
//!   placed from that party while it stays on the IP, which is attached to
//!   it one way; at the second leg's answer the IP is released and the two
//!   talk; busy or no answer puts the party back on the IP alone),
//!   Request_Report_BCM_Event (EDPRequest / EDPNotification bits,
//!   TNoAnswerTimer / ONoAnswerTimer), Close.
//! - **Reports**: O_Answer / T_Answer, Network_Busy (our O_Called_Party_Busy:
//!   the codec and the ISCP know no 0x6407) / T_Busy, O_No_Answer /
//!   T_No_Answer (T9 on trunks, our no-answer timer on lines), O_Disconnect /
//!   T_Disconnect, and Resource_Clear when the IP releases. An event armed as
//!   a request suspends the call (ConversationWithPerm, response timer); a
//!   notification does not (ConversationWithoutPerm, or Response when nothing
//!   else stays armed; a disconnect always ends the dialogue with Response).
//! - **Response timer**: a query or request report left unanswered for
//!   [`AinConfig::response_timer`] is aborted toward the ISCP (TCAP Abort with
//!   user abort information) and the call gets [`AinConfig::on_timeout`]:
//!   release with `timeout_cause` (final treatment) or default routing.
//!
//! **ITU networks** speak INAP CS-1 (Q.1218) over ITU TCAP instead, with the
//! same logic: the AIN message is translated on its way out (Info_Analyzed /
//! Termination_Attempt → InitialDP at analysedInformation (3) /
//! termAttemptAuthorized (12) in a Begin with an AARQ; reports →
//! EventReportBCSM with miscCallInfo request/notification; Resource_Clear →
//! SpecializedResourceReport; QueryWithPerm / Conversation / Response /
//! Abort → Begin / Continue / End / Abort), and INAP instructions are read
//! into the same orders (Connect, Continue, ReleaseCall with its cause,
//! ConnectToResource + PlayAnnouncement, RequestReportBCSMEvent with
//! monitor modes and applicationTimer, InitiateCallAttempt; an AARQ from the
//! ISCP is answered with an AARE).
//!
//! What it is not: Info_Collected and the other trigger types (no trigger
//! criteria type is sent), O_Abandon reports (a caller who gives up while the
//! switch waits gets a TCAP Abort sent, or nothing when the ISCP has not yet
//! answered: there is no transaction ID to abort toward), Forward_Call, ACG,
//! AMA, Reject / Return Error handling (an operation we do not understand
//! is ignored), multi-leg operations (Merge_Call, Move_Leg…; the one second
//! leg is bridged by the switch itself at its answer), and Create_Call
//! to a number that is not a line of this switch (reported busy when armed,
//! else the dialogue is closed).
//!
//! Contract: never panics on input. A frame that is not TCAP we can read, or
//! a message for an unknown transaction, is counted in
//! [`AinCounters::malformed`] and dropped with its hex; it is answered with a
//! P-Abort when it can be addressed (T1.114: badly structured transaction
//! portion 3, unassigned responding transaction ID 4; Q.774:
//! unrecognizedTransactionID 1).
//!
//! Hooks in the switch (`ssp/mod.rs`): digit analysis hands Info_Analyzed
//! triggers here, `terminate` asks before ringing a line, `deliver` lets the
//! call model see (and hold back) the signals and releases that reach a
//! controlled leg, and line / trunk releases with nothing joined report the
//! controlling party gone.

use std::time::Duration;

use ainsim_wire::ain::{AinDigits, AinOpcode, AinOperation, AinParameter, Param, StrParameterBlock, Value};
use ainsim_wire::inap::{InapElement, InapField, InapOpcode, InapOperation, InapValue, IsupNumber};
use ainsim_wire::sccp::{self, Address, GlobalTitle, ProtocolClass};
use ainsim_wire::tcap::{ansi, itu, TcapRepr};
use ainsim_wire::SccpRepr;

use super::{cause, tid, Analysis, Cs, Leg, Ls, Setup, Sig, Ssp};
use crate::core::{EventKind, Instant, Outputs};
use crate::line::LineSignal;

pub use super::config::{AinConfig, TimeoutAction};

/// Timer kinds (above the ISUP ones in `tk`).
pub(super) const T_RESPONSE: u64 = 32;
pub(super) const T_NO_ANSWER: u64 = 33;

/// EDP bits (GR-1299 EDPRequest / EDPNotification, bit 0 = MSB of the first octet).
mod edp {
    pub(super) const O_BUSY: u32 = 0;
    pub(super) const O_NO_ANSWER: u32 = 1;
    pub(super) const O_ANSWER: u32 = 3;
    pub(super) const T_BUSY: u32 = 4;
    pub(super) const T_NO_ANSWER: u32 = 5;
    pub(super) const T_ANSWER: u32 = 7;
    pub(super) const O_DISCONNECT: u32 = 11;
    pub(super) const T_DISCONNECT: u32 = 16;
}

/// User abort information as Wireshark reads it: `[PRIVATE 24]` around an
/// EXTERNAL with one octet-aligned octet (1: timeout).
const USER_ABORT_TIMEOUT: [u8; 7] = [0xf8, 0x05, 0x28, 0x03, 0x81, 0x01, 0x01];

/// What the AIN call model counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AinCounters {
    /// Queries sent (Info_Analyzed, Termination_Attempt).
    pub queries: u64,
    /// Create_Call requests received.
    pub created_calls: u64,
    /// Event reports sent (answer, busy, no answer, disconnect, Resource_Clear).
    pub reports: u64,
    /// Instructions received (Analyze_Route, Authorize_Termination, …).
    pub instructions: u64,
    /// Response timer expiries.
    pub timeouts: u64,
    /// Aborts received from the ISCP.
    pub aborts_received: u64,
    /// Aborts we sent (timeouts, abandoned calls).
    pub aborts_sent: u64,
    /// SCCP / TCAP frames that did not parse or were not for a dialogue of ours.
    pub malformed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bcm {
    /// Originating (Info_Analyzed, Create_Call).
    O,
    /// Terminating (Termination_Attempt).
    T,
}

/// An event the switch can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    Answer,
    Busy,
    NoAnswer,
    Disconnect,
}

#[derive(Debug)]
pub(super) struct Dialogue {
    tid: u32,
    /// The ISCP's transaction ID (once known).
    peer: Option<Vec<u8>>,
    bcm: Bcm,
    /// The leg the call model controls: the caller (line or incoming
    /// circuit), or the line a Create_Call rang.
    ctrl: Leg,
    /// The leg joined to `ctrl` by the last instruction (if any).
    far: Option<Leg>,
    /// `far` is the IP (Send_To_Resource).
    resource: bool,
    /// The IP while the customer holds on it and `far` is the call's second
    /// leg being set up (Create_Call / InitiateCallAttempt in the dialogue):
    /// attached to `ctrl` one way, released when `far` answers.
    ip: Option<Leg>,
    /// The no-answer timer runs for `far` (armed once per leg: the IP's
    /// own ACM, attached to the customer, must not restart it).
    ringing: bool,
    /// Suspended at a detection point, the response timer running.
    waiting: bool,
    /// The controlling party answered (Create_Call) / the call was answered.
    answered: bool,
    far_answered: bool,
    request: u32,
    notify: u32,
    no_answer: Option<Duration>,
    setup: Option<Box<Setup>>,
    /// The Info_Analyzed rule (default routing) / the Termination_Attempt line.
    rule: Option<usize>,
    line: Option<u32>,
    next_invoke: u8,
    /// ITU: the ISCP began the dialogue with an AARQ we have not answered.
    aare: Option<ainsim_wire::tcap::Oid>,
}

/// The AIN state of a switch.
#[derive(Debug, Default)]
pub(super) struct Ain {
    cfg: Option<AinConfig>,
    ssn: u8,
    iscp_ssn: u8,
    /// Per line: a Termination_Attempt trigger is armed.
    tat: Vec<bool>,
    dialogues: Vec<Option<Dialogue>>,
    generation: u16,
    /// Set while an instruction re-enters digit analysis / termination.
    bypass_ia: bool,
    bypass_tat: bool,
    pub(super) counters: AinCounters,
}

impl Ain {
    /// The AIN state for `cfg` (None: no AIN) over `lines` directory numbers.
    pub(super) fn new(cfg: Option<&AinConfig>, variant: ainsim_wire::Variant, lines: &[&str]) -> Ain {
        let default_ssn = if variant == ainsim_wire::Variant::Ansi { 248 } else { 241 };
        let Some(cfg) = cfg else { return Ain::default() };
        let iscp_ssn = cfg.iscp_ssn.unwrap_or(default_ssn);
        Ain {
            ssn: cfg.ssn.unwrap_or(iscp_ssn),
            iscp_ssn,
            tat: lines.iter().map(|n| cfg.termination_attempt.iter().any(|t| t == n)).collect(),
            cfg: Some(cfg.clone()),
            ..Ain::default()
        }
    }

    pub(super) fn enabled(&self) -> bool {
        self.cfg.is_some()
    }

    /// Whether an Info_Analyzed trigger is to be detected now.
    pub(super) fn info_analyzed_armed(&self) -> bool {
        self.cfg.is_some() && !self.bypass_ia
    }

    /// Whether any dialogue is open (the cheap test before looking for one).
    pub(super) fn busy(&self) -> bool {
        !self.dialogues.is_empty()
    }

    pub(super) fn clear(&mut self) {
        self.dialogues.clear();
        self.bypass_ia = false;
        self.bypass_tat = false;
    }

    pub(super) fn open(&self) -> usize {
        self.dialogues.iter().flatten().count()
    }

    fn slot_of_tid(&self, t: u32) -> Option<usize> {
        let slot = (t & 0xffff) as usize;
        self.dialogues.get(slot)?.as_ref().filter(|d| d.tid == t).map(|_| slot)
    }

    fn find(&self, f: impl Fn(&Dialogue) -> bool) -> Option<usize> {
        self.dialogues.iter().position(|d| d.as_ref().is_some_and(&f))
    }

    fn get(&mut self, slot: usize) -> Option<&mut Dialogue> {
        self.dialogues.get_mut(slot).and_then(Option::as_mut)
    }

    /// Puts `d` (back) into `slot`.
    fn put(&mut self, slot: usize, d: Dialogue) {
        if slot >= self.dialogues.len() {
            self.dialogues.resize_with(slot + 1, || None);
        }
        self.dialogues[slot] = Some(d);
    }

    /// Drops the trailing free slots, so that a switch with no dialogue
    /// open skips the call model's look-ups altogether.
    fn trim(&mut self) {
        while matches!(self.dialogues.last(), Some(None)) {
            self.dialogues.pop();
        }
    }

    fn alloc(&mut self, bcm: Bcm, ctrl: Leg) -> Option<usize> {
        let slot = match self.dialogues.iter().position(Option::is_none) {
            Some(s) => s,
            None if self.dialogues.len() < 0xffff => {
                self.dialogues.push(None);
                self.dialogues.len() - 1
            }
            None => return None,
        };
        self.generation = self.generation.wrapping_add(1);
        let tid = u32::from(self.generation) << 16 | slot as u32;
        self.dialogues[slot] = Some(Dialogue {
            tid,
            peer: None,
            bcm,
            ctrl,
            far: None,
            resource: false,
            ip: None,
            ringing: false,
            waiting: false,
            answered: false,
            far_answered: false,
            request: 0,
            notify: 0,
            no_answer: None,
            setup: None,
            rule: None,
            line: None,
            next_invoke: 1,
            aare: None,
        });
        Some(slot)
    }
}

fn bit(ev: Ev, bcm: Bcm) -> u32 {
    match (ev, bcm) {
        (Ev::Answer, Bcm::O) => edp::O_ANSWER,
        (Ev::Answer, Bcm::T) => edp::T_ANSWER,
        (Ev::Busy, Bcm::O) => edp::O_BUSY,
        (Ev::Busy, Bcm::T) => edp::T_BUSY,
        (Ev::NoAnswer, Bcm::O) => edp::O_NO_ANSWER,
        (Ev::NoAnswer, Bcm::T) => edp::T_NO_ANSWER,
        (Ev::Disconnect, Bcm::O) => edp::O_DISCONNECT,
        (Ev::Disconnect, Bcm::T) => edp::T_DISCONNECT,
    }
}

fn opcode_of(b: u32) -> AinOpcode {
    match b {
        edp::O_ANSWER => AinOpcode::OAnswer,
        edp::T_ANSWER => AinOpcode::TAnswer,
        edp::O_BUSY => AinOpcode::NetworkBusy,
        edp::T_BUSY => AinOpcode::TBusy,
        edp::O_NO_ANSWER => AinOpcode::ONoAnswer,
        edp::T_NO_ANSWER => AinOpcode::TNoAnswer,
        edp::T_DISCONNECT => AinOpcode::TDisconnect,
        _ => AinOpcode::ODisconnect,
    }
}

fn mask(b: u32) -> u32 {
    1 << b
}

/// EDP bits of a BIT STRING value as a mask (bit n = `1 << n`).
fn bits_mask(v: Option<&Value>) -> u32 {
    let Some(Value::Bits { bits, .. }) = v else { return 0 };
    let mut m = 0;
    for (i, o) in bits.iter().take(4).enumerate() {
        for k in 0..8 {
            if o & (0x80 >> k) != 0 {
                m |= 1 << (i * 8 + k);
            }
        }
    }
    m
}

fn user_id(dn: &str) -> AinParameter {
    AinParameter::new(Param::UserId, Value::UserId(ainsim_wire::ain::UserId::Dn(dn.into())))
}

/// What the ISCP asked for in one message.
#[derive(Debug, Default)]
struct Orders {
    arm: Option<(u32, u32, Option<Duration>)>,
    route: Option<String>,
    authorize: bool,
    disconnect: bool,
    resource: Option<String>,
    create: Option<(String, Option<String>)>,
    close: bool,
    /// ITU ReleaseCall's cause.
    cause: Option<u8>,
}

impl Ssp {
    /// What the AIN call model counted.
    pub fn ain_counters(&self) -> AinCounters {
        self.ain.counters
    }

    /// AIN dialogues open now.
    pub fn ain_dialogues(&self) -> usize {
        self.ain.open()
    }

    // ----- triggers -----

    /// Info_Analyzed on rule `rule`: the call waits for the ISCP.
    pub(super) fn ain_info_analyzed(
        &mut self,
        now: Instant,
        from: Leg,
        s: Box<Setup>,
        rule: usize,
        out: &mut Outputs,
    ) {
        let Some(slot) = self.ain.alloc(Bcm::O, from) else {
            return self.deliver(now, from, Sig::Release(cause::TEMPORARY_FAILURE), out);
        };
        let calling = s.calling.clone().unwrap_or_default();
        let mut params = vec![
            user_id(&calling),
            AinParameter::int(Param::BearerCapability, 0),
            AinParameter::digits(Param::CalledPartyId, AinDigits::national(&s.called)),
        ];
        if !calling.is_empty() {
            params.push(AinParameter::digits(Param::ChargeNumber, AinDigits::national(&calling)));
            params.push(AinParameter::digits(Param::CallingPartyId, AinDigits::national(&calling)));
        }
        if let Some(d) = self.ain.get(slot) {
            d.setup = Some(s);
            d.rule = Some(rule);
        }
        self.ain_query(now, slot, AinOperation::new(AinOpcode::InfoAnalyzed, params), out);
    }

    /// Termination_Attempt on line `li`: true when a query was sent.
    pub(super) fn ain_termination_attempt(
        &mut self,
        now: Instant,
        li: u32,
        from: Leg,
        setup: &Setup,
        out: &mut Outputs,
    ) -> bool {
        if self.ain.bypass_tat || !self.ain.tat.get(li as usize).copied().unwrap_or(false) {
            return false;
        }
        let Some(slot) = self.ain.alloc(Bcm::T, from) else { return false };
        let dn = self.lines[li as usize].number.clone();
        let mut params = vec![
            user_id(&dn),
            AinParameter::int(Param::BearerCapability, 0),
            AinParameter::digits(Param::CalledPartyId, AinDigits::national(&dn)),
        ];
        if let Some(c) = setup.calling.as_deref().filter(|c| !c.is_empty()) {
            params.push(AinParameter::digits(Param::ChargeNumber, AinDigits::national(c)));
            params.push(AinParameter::digits(Param::CallingPartyId, AinDigits::national(c)));
        }
        if let Some(d) = self.ain.get(slot) {
            d.setup = Some(Box::new(setup.clone()));
            d.line = Some(li);
        }
        self.ain_query(now, slot, AinOperation::new(AinOpcode::TerminationAttempt, params), out);
        true
    }

    fn ain_query(&mut self, now: Instant, slot: usize, op: AinOperation, out: &mut Outputs) {
        self.ain.counters.queries += 1;
        if let Some(d) = self.ain.get(slot) {
            d.waiting = true;
        }
        self.ain_send(slot, ansi::PackageType::QueryWithPerm, &[op], out);
        self.set(now, T_RESPONSE, slot as u32, self.ain_cfg_timer(), out);
    }

    fn ain_cfg_timer(&self) -> Duration {
        self.ain.cfg.as_ref().map_or(Duration::from_secs(3), |c| c.response_timer)
    }

    // ----- sending -----

    /// Sends `ops` in a package of type `pt` on dialogue `slot` (in an ITU
    /// network: the INAP equivalents in the matching ITU TCAP message).
    fn ain_send(&mut self, slot: usize, pt: ansi::PackageType, ops: &[AinOperation], out: &mut Outputs) {
        if self.variant == ainsim_wire::Variant::Itu {
            return self.inap_send(slot, pt, ops, out);
        }
        let Some(d) = self.ain.get(slot) else { return };
        let ours = d.tid.to_be_bytes().to_vec();
        let peer = d.peer.clone().unwrap_or_default();
        let transaction_id = match pt {
            ansi::PackageType::QueryWithPerm | ansi::PackageType::QueryWithoutPerm => ours,
            ansi::PackageType::Response | ansi::PackageType::Abort => peer,
            _ => [ours, peer].concat(),
        };
        let n = ops.len();
        let mut comps = Vec::with_capacity(n);
        for (i, op) in ops.iter().enumerate() {
            let id = d.next_invoke;
            d.next_invoke = d.next_invoke.wrapping_add(1).max(1);
            let Ok(parameter) = op.parameter_bytes() else { continue };
            let inv = ansi::Invoke {
                form: Default::default(),
                component_ids: vec![id],
                opcode: ansi::OpCode::Private(op.opcode.code()),
                parameter,
            };
            comps.push(if i + 1 == n {
                ansi::Component::InvokeLast(inv)
            } else {
                ansi::Component::InvokeNotLast(inv)
            });
        }
        let m = ansi::Message {
            package_type: pt,
            form: Default::default(),
            transaction_id,
            dialogue: None,
            components: (!comps.is_empty()).then(|| ansi::ComponentSequence::new(comps)),
            abort_cause: (pt == ansi::PackageType::Abort)
                .then(|| ansi::AbortCause::UserAbort(USER_ABORT_TIMEOUT.to_vec())),
        };
        let sls = (d.tid & 0x0f) as u8;
        self.ain_send_tcap(&TcapRepr::Ansi(m), sls, out);
    }

    /// ITU: the message type for `pt`, and `ops` in INAP (Q.1218).
    fn inap_send(&mut self, slot: usize, pt: ansi::PackageType, ops: &[AinOperation], out: &mut Outputs) {
        use ansi::PackageType as P;
        let Some(d) = self.ain.get(slot) else { return };
        let ours = d.tid.to_be_bytes().to_vec();
        let (message_type, otid, dtid) = match pt {
            P::QueryWithPerm | P::QueryWithoutPerm => (itu::MessageType::Begin, Some(ours), None),
            P::Response => (itu::MessageType::End, None, d.peer.clone()),
            P::Abort => (itu::MessageType::Abort, None, d.peer.clone()),
            _ => (itu::MessageType::Continue, Some(ours), d.peer.clone()),
        };
        let request = pt == P::ConversationWithPerm;
        let mut comps = Vec::new();
        for op in ops {
            let Some(i) = inap_of(op, request) else { continue };
            let id = d.next_invoke;
            d.next_invoke = d.next_invoke.wrapping_add(1).max(1);
            let Ok(parameter) = i.argument_bytes() else { continue };
            comps.push(itu::Component::Invoke(itu::Invoke {
                form: Default::default(),
                invoke_id: i64::from(id),
                linked_id: None,
                opcode: itu::Code::Local(i.opcode.code()),
                parameter,
            }));
        }
        let dialogue = match (message_type, d.aare.take()) {
            (itu::MessageType::Begin, _) => {
                Some(itu::DialoguePortion::new(itu::DialoguePdu::Aarq(itu::Aarq::new(inap_acn()))))
            }
            (itu::MessageType::Abort, _) => {
                Some(itu::DialoguePortion::new(itu::DialoguePdu::Abrt(itu::Abrt {
                    form: Default::default(),
                    abort_source: 0,
                    user_information: None,
                })))
            }
            (_, Some(acn)) => Some(itu::DialoguePortion::new(itu::DialoguePdu::Aare(itu::Aare {
                form: Default::default(),
                protocol_version: Some(vec![0x07, 0x80]),
                acn_form: Default::default(),
                application_context: acn,
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
        let m = itu::Message {
            message_type,
            form: Default::default(),
            otid,
            dtid,
            p_abort_cause: None,
            dialogue,
            components: (!comps.is_empty()).then(|| itu::ComponentPortion::new(comps)),
        };
        let sls = (d.tid & 0x0f) as u8;
        self.ain_send_tcap(&TcapRepr::Itu(m), sls, out);
    }

    fn ain_send_tcap(&mut self, t: &TcapRepr, sls: u8, out: &mut Outputs) {
        let Some(cfg) = self.ain.cfg.as_ref() else { return };
        let v = self.variant;
        let called = match &cfg.iscp_gt {
            Some(gt) => Address::gt(
                v,
                GlobalTitle::Tt { translation_type: cfg.gt_tt, digits: gt.as_str().into() },
                Some(self.ain.iscp_ssn),
            ),
            None => Address::pc_ssn(v, cfg.iscp_pc, self.ain.iscp_ssn),
        };
        let dpc = cfg.iscp_pc;
        let data = match t.to_bytes() {
            Ok(d) => d,
            Err(e) => {
                return out.event(None, EventKind::Note(format!("{}: cannot encode TCAP: {e}", self.name)))
            }
        };
        let udt = SccpRepr::Udt(sccp::Udt {
            protocol_class: ProtocolClass { class: 0, return_on_error: false, spare: 0 },
            called_party: called,
            calling_party: Address::pc_ssn(v, self.sp.pc, self.ain.ssn),
            data,
        });
        let sif = match udt.to_bytes(v) {
            Ok(b) => b,
            Err(e) => {
                return out.event(None, EventKind::Note(format!("{}: cannot encode SCCP: {e}", self.name)))
            }
        };
        if let Err(e) = self.sp.send(out, ainsim_wire::mtp3::si::SCCP, dpc, sls, &sif) {
            out.event(None, EventKind::Note(format!("{}: {e}", self.name)));
        }
    }

    /// A P-Abort with `cause` toward the ISCP's transaction `peer`.
    fn ain_p_abort(&mut self, peer: Vec<u8>, cause_value: i64, out: &mut Outputs) {
        self.ain.counters.aborts_sent += 1;
        let sls = peer.last().copied().unwrap_or(0) & 0x0f;
        let m = ansi::Message {
            package_type: ansi::PackageType::Abort,
            form: Default::default(),
            transaction_id: peer,
            dialogue: None,
            components: None,
            abort_cause: Some(ansi::AbortCause::PAbort(cause_value)),
        };
        self.ain_send_tcap(&TcapRepr::Ansi(m), sls, out);
    }

    /// Ends dialogue `slot` without telling the ISCP (it ended it, or we did).
    fn ain_forget(&mut self, slot: usize, out: &mut Outputs) -> Option<Dialogue> {
        out.cancel_timer(tid(T_RESPONSE, slot as u32));
        out.cancel_timer(tid(T_NO_ANSWER, slot as u32));
        let d = self.ain.dialogues.get_mut(slot).and_then(Option::take);
        self.ain.trim();
        d
    }

    /// Aborts dialogue `slot` toward the ISCP.
    fn ain_abort(&mut self, slot: usize, out: &mut Outputs) -> Option<Dialogue> {
        if self.ain.get(slot).is_some_and(|d| d.peer.is_some()) {
            self.ain.counters.aborts_sent += 1;
            self.ain_send(slot, ansi::PackageType::Abort, &[], out);
        }
        self.ain_forget(slot, out)
    }

    // ----- events -----

    /// Reports `ev` on dialogue `slot` if armed. Returns true when the call
    /// is now suspended waiting for an instruction.
    fn ain_report(&mut self, now: Instant, slot: usize, ev: Ev, out: &mut Outputs) -> bool {
        let Some(d) = self.ain.get(slot) else { return false };
        // The answer to a Create_Call's second leg is reported as T_Answer
        // when that is what the ISCP armed (its click-to-call does).
        let mut b = bit(ev, d.bcm);
        if ev == Ev::Answer && d.bcm == Bcm::O && (d.request | d.notify) & mask(b) == 0 {
            b = edp::T_ANSWER;
        }
        let m = mask(b);
        let (request, notify) = (d.request & m != 0, d.notify & m != 0);
        d.request &= !m;
        d.notify &= !m;
        if ev == Ev::Answer {
            // Busy and no answer cannot happen any more.
            let gone = [edp::O_BUSY, edp::O_NO_ANSWER, edp::T_BUSY, edp::T_NO_ANSWER];
            for g in gone {
                d.request &= !mask(g);
                d.notify &= !mask(g);
            }
        }
        let left = d.request | d.notify;
        let op = AinOperation::new(
            opcode_of(b),
            vec![user_id(&self.ain_dn(slot)), AinParameter::int(Param::BearerCapability, 0)],
        );
        if !request && !notify {
            if ev == Ev::Disconnect || (left == 0 && ev == Ev::Answer) {
                // Nothing (left) to report: the SSP ends the dialogue.
                self.ain_send(slot, ansi::PackageType::Response, &[], out);
                self.ain_forget(slot, out);
            }
            return false;
        }
        self.ain.counters.reports += 1;
        if ev == Ev::Disconnect || (notify && left == 0) {
            self.ain_send(slot, ansi::PackageType::Response, &[op], out);
            self.ain_forget(slot, out);
            return false;
        }
        if request {
            if let Some(d) = self.ain.get(slot) {
                d.waiting = true;
            }
            self.ain_send(slot, ansi::PackageType::ConversationWithPerm, &[op], out);
            self.set(now, T_RESPONSE, slot as u32, self.ain_cfg_timer(), out);
            return true;
        }
        self.ain_send(slot, ansi::PackageType::ConversationWithoutPerm, &[op], out);
        false
    }

    /// The directory number a report names (UserID).
    fn ain_dn(&self, slot: usize) -> String {
        let Some(d) = self.ain.dialogues.get(slot).and_then(Option::as_ref) else { return String::new() };
        let line = d.line.or(match d.ctrl {
            Leg::Line(l) => Some(l),
            Leg::Circuit(_) => None,
        });
        match line {
            Some(l) => self.lines.get(l as usize).map(|x| x.number.clone()).unwrap_or_default(),
            None => d.setup.as_ref().and_then(|s| s.calling.clone()).unwrap_or_default(),
        }
    }

    /// A backward signal or release on its way to `to`: returns true when
    /// the call model consumed it (the call is suspended at a detection point).
    pub(super) fn ain_intercept(&mut self, now: Instant, to: Leg, sig: &Sig<'_>, out: &mut Outputs) -> bool {
        // A leg can control two dialogues (a monitored 800 call that reaches
        // a line of ours with a Termination_Attempt trigger): the terminating
        // one hears the call's events first; what it holds back the other
        // one does not see.
        let mut slots: Vec<usize> = (0..self.ain.dialogues.len())
            .filter(|&i| self.ain.dialogues[i].as_ref().is_some_and(|d| d.ctrl == to))
            .collect();
        if !slots.is_empty() {
            slots.sort_by_key(|&i| self.ain.dialogues[i].as_ref().is_some_and(|d| d.bcm == Bcm::O));
            for slot in slots {
                if self.ain_toward_ctrl(now, slot, sig, out) {
                    return true;
                }
            }
            return false;
        }
        if let Some(slot) = self.ain.find(|d| d.far == Some(to)) {
            if let Sig::Release(_) = sig {
                // The controlling party released (and leaves the IP it held on).
                let ip = self.ain.get(slot).and_then(|d| d.ip.take());
                let answered = self.ain.get(slot).is_some_and(|d| d.answered || d.far_answered);
                if answered {
                    self.ain_report(now, slot, Ev::Disconnect, out);
                } else {
                    self.ain_close_or_abort(slot, out);
                }
                self.ain_forget(slot, out);
                if let Some(ip) = ip {
                    self.deliver(now, ip, Sig::Release(cause::NORMAL), out);
                }
            }
        }
        false
    }

    fn ain_close_or_abort(&mut self, slot: usize, out: &mut Outputs) {
        if self.ain.get(slot).is_some_and(|d| d.waiting || d.peer.is_none()) {
            self.ain_abort(slot, out);
        } else {
            self.ain_send(slot, ansi::PackageType::Response, &[], out);
            self.ain_forget(slot, out);
        }
    }

    fn ain_toward_ctrl(&mut self, now: Instant, slot: usize, sig: &Sig<'_>, out: &mut Outputs) -> bool {
        let Some((ctrl, ip)) = self.ain.get(slot).map(|d| (d.ctrl, d.ip)) else { return false };
        let peer = self.bridge.peer(ctrl);
        // While the customer holds, the IP is attached one way: a release
        // that reaches the customer came from the IP when the IP's side is gone.
        let ip_gone = ip.is_some_and(|ip| self.bridge.peer(ip).is_none());
        let Some(d) = self.ain.get(slot) else { return false };
        if peer.is_some() {
            d.far = peer;
        }
        let (resource, bcm, no_answer) = (d.resource, d.bcm, d.no_answer);
        // With the IP attached, its own ACM and ANM reach the customer too:
        // an answer counts only when the second leg itself is answered.
        let far_up = match d.far {
            Some(Leg::Circuit(c)) => self.circuits.get(c as usize).is_some_and(|x| x.cs == Cs::Answered),
            Some(Leg::Line(l)) => self.lines.get(l as usize).is_some_and(|x| x.state == Ls::Talking),
            None => false,
        };
        let Some(d) = self.ain.get(slot) else { return false };
        match sig {
            Sig::Answer(_) if d.ip.is_some() && !far_up => true,
            Sig::Alerting(_) | Sig::Progress(_) if !resource => {
                let b = bit(Ev::NoAnswer, bcm);
                if (d.request | d.notify) & mask(b) != 0 && matches!(d.far, Some(Leg::Line(_))) && !d.ringing
                {
                    d.ringing = true;
                    let cfg_na = self.ain.cfg.as_ref().map_or(Duration::from_secs(30), |c| c.no_answer);
                    self.set(now, T_NO_ANSWER, slot as u32, no_answer.unwrap_or(cfg_na), out);
                }
                false
            }
            Sig::Answer(_) if !resource => {
                d.far_answered = true;
                out.cancel_timer(tid(T_NO_ANSWER, slot as u32));
                if d.answered {
                    // The second leg of a Create_Call answered: nothing more
                    // is awaited about the announcement.
                    d.waiting = false;
                    out.cancel_timer(tid(T_RESPONSE, slot as u32));
                }
                if let Some(ip) = d.ip.take() {
                    // The customer is bridged to it (already joined) and the IP released.
                    self.deliver(now, ip, Sig::Release(cause::NORMAL), out);
                }
                self.ain_report(now, slot, Ev::Answer, out);
                false
            }
            Sig::Release(c) if resource || ip_gone => {
                // The IP released: Resource_Clear, and the call waits for what
                // next (the second leg, when one rings, rings on).
                d.resource = false;
                if ip_gone {
                    d.ip = None;
                } else {
                    d.far = None;
                }
                d.waiting = true;
                self.ain.counters.reports += 1;
                let clear = if *c == cause::NORMAL { 0 } else { 1 };
                let op = AinOperation::new(
                    AinOpcode::ResourceClear,
                    vec![AinParameter::int(Param::ClearCause, clear)],
                );
                self.ain_send(slot, ansi::PackageType::ConversationWithPerm, &[op], out);
                self.set(now, T_RESPONSE, slot as u32, self.ain_cfg_timer(), out);
                true
            }
            Sig::Release(c) => {
                let far_answered = d.far_answered;
                let holding = d.ip.is_some();
                d.far = None;
                let ev = match *c {
                    _ if far_answered => Some(Ev::Disconnect),
                    cause::BUSY => Some(Ev::Busy),
                    cause::NO_ANSWER => Some(Ev::NoAnswer),
                    // The second leg could not be set up (no circuit,
                    // unallocated, …): reported as Network_Busy / O busy.
                    _ if holding => Some(Ev::Busy),
                    _ => None,
                };
                if holding && !far_answered {
                    return self.ain_leg2_failed(now, slot, ev, out);
                }
                match ev {
                    Some(Ev::Disconnect) => {
                        self.ain_report(now, slot, Ev::Disconnect, out);
                        self.ain_forget(slot, out);
                    }
                    Some(ev) if self.ain_report(now, slot, ev, out) => return true,
                    _ => self.ain_close_or_abort(slot, out),
                }
                false
            }
            _ => false,
        }
    }

    /// The controlling leg went away with nothing joined to it (on-hook
    /// while the switch waits for the ISCP, REL on an incoming trunk).
    pub(super) fn ain_leg_gone(&mut self, now: Instant, leg: Leg, out: &mut Outputs) {
        let Some(slot) = self.ain.find(|d| d.ctrl == leg) else { return };
        if let Some(ip) = self.ain.get(slot).and_then(|d| d.ip.take()) {
            self.deliver(now, ip, Sig::Release(cause::NORMAL), out);
        }
        if self.ain.get(slot).is_some_and(|d| d.answered) {
            self.ain_report(now, slot, Ev::Disconnect, out);
            self.ain_forget(slot, out);
        } else {
            self.ain_abort(slot, out);
        }
    }

    /// A line rung by Create_Call answered.
    pub(super) fn ain_line_answered(&mut self, now: Instant, li: u32, out: &mut Outputs) {
        let Some(slot) = self.ain.find(|d| d.ctrl == Leg::Line(li) && !d.answered) else { return };
        if let Some(d) = self.ain.get(slot) {
            d.answered = true;
        }
        // The line is now the calling party of the call the ISCP builds.
        self.lines[li as usize].originating = true;
        out.cancel_timer(tid(T_NO_ANSWER, slot as u32));
        let Some(d) = self.ain.get(slot) else { return };
        let b = mask(edp::O_ANSWER);
        let (request, notify) = (d.request & b != 0, d.notify & b != 0);
        for g in [edp::O_BUSY, edp::O_NO_ANSWER] {
            d.request &= !mask(g);
            d.notify &= !mask(g);
        }
        if request || notify {
            self.ain_report(now, slot, Ev::Answer, out);
        }
    }

    // ----- timers -----

    pub(super) fn ain_timer(&mut self, now: Instant, kind: u64, slot: usize, out: &mut Outputs) {
        match kind {
            T_RESPONSE if self.ain.get(slot).is_some_and(|d| d.waiting) => {
                self.ain.counters.timeouts += 1;
                out.event(
                    None,
                    EventKind::Note(format!("{}: AIN response timer expired, dialogue aborted", self.name)),
                );
                if let Some(d) = self.ain_abort(slot, out) {
                    self.ain_fallback(now, d, out);
                }
            }
            T_NO_ANSWER => {
                let Some(d) = self.ain.get(slot) else { return };
                let (ctrl, far) = (d.ctrl, d.far);
                // The rung line stops ringing (a Termination_Attempt's line or a Create_Call's).
                let rung = match (far, ctrl) {
                    (Some(Leg::Line(l)), _) => Some(l),
                    (None, Leg::Line(l)) if d.bcm == Bcm::O && !d.answered => Some(l),
                    _ => None,
                };
                let Some(l) = rung else { return };
                if self.lines.get(l as usize).is_none_or(|x| x.state != Ls::Ringing) {
                    return;
                }
                self.bridge.split(Leg::Line(l));
                self.lines[l as usize].state = Ls::Idle;
                self.line_send(l, &LineSignal::StopRing, out);
                Self::line_event(l, EventKind::Released { cause: cause::NO_ANSWER }, out);
                if let Some(d) = self.ain.get(slot) {
                    d.far = None;
                    if d.ip.is_some() && ctrl != Leg::Line(l) {
                        // The second leg gave up ringing: the customer holds on.
                        self.ain_leg2_failed(now, slot, Some(Ev::NoAnswer), out);
                        return;
                    }
                }
                if !self.ain_report(now, slot, Ev::NoAnswer, out) {
                    self.ain_abort(slot, out);
                    if ctrl != Leg::Line(l) {
                        self.deliver(now, ctrl, Sig::Release(cause::NO_ANSWER), out);
                    }
                }
            }
            _ => {}
        }
    }

    /// After a timeout or an abort while waiting: final treatment or default routing.
    fn ain_fallback(&mut self, now: Instant, d: Dialogue, out: &mut Outputs) {
        if let Some(ip) = d.ip {
            self.deliver(now, ip, Sig::Release(cause::NORMAL), out);
        }
        let (action, c) =
            self.ain.cfg.as_ref().map_or((TimeoutAction::Release, cause::TEMPORARY_FAILURE), |c| {
                (c.on_timeout, c.timeout_cause)
            });
        // Default routing exists for a trigger's call, not for a Create_Call.
        if action == TimeoutAction::Continue && (d.rule.is_some() || d.line.is_some()) {
            if let Some(setup) = d.setup {
                match (d.bcm, d.line) {
                    (Bcm::T, Some(li)) => {
                        self.ain.bypass_tat = true;
                        self.terminate(now, li, d.ctrl, &setup, out);
                        self.ain.bypass_tat = false;
                    }
                    _ => {
                        let a = self.plan.analyze(&setup.called);
                        self.ain.bypass_ia = true;
                        self.route(now, d.ctrl, setup, a, out);
                        self.ain.bypass_ia = false;
                    }
                }
                return;
            }
        }
        self.ain_release(now, d.ctrl, if d.answered { cause::NORMAL } else { c }, out);
    }

    /// Releases the controlling leg and whatever is joined to it.
    fn ain_release(&mut self, now: Instant, ctrl: Leg, c: u8, out: &mut Outputs) {
        if let Some(p) = self.bridge.split(ctrl) {
            self.deliver(now, p, Sig::Release(c), out);
        }
        if let Leg::Line(l) = ctrl {
            if self.lines.get(l as usize).is_none_or(|x| x.state == Ls::Idle) {
                return;
            }
        }
        self.deliver(now, ctrl, Sig::Release(c), out);
    }

    // ----- receiving -----

    /// An SCCP message for us (SI 3).
    pub(super) fn ain_on_sccp(&mut self, now: Instant, sif: &[u8], bytes: &[u8], out: &mut Outputs) {
        let data = match SccpRepr::parse(sif, self.variant) {
            Ok(SccpRepr::Udt(u)) => u.data,
            Ok(SccpRepr::Xudt(u)) => u.data,
            Ok(_) | Err(_) => {
                self.ain.counters.malformed += 1;
                return self.dropped(format!("{}: SCCP message not handled", self.name), bytes, out);
            }
        };
        let m = match TcapRepr::parse(&data) {
            Ok(TcapRepr::Ansi(m)) => m,
            Ok(TcapRepr::Itu(m)) => return self.inap_receive(now, m, bytes, out),
            Err(e) => {
                self.ain.counters.malformed += 1;
                self.dropped(format!("{}: {e}", self.name), bytes, out);
                // T1.114: a transaction portion we cannot read: P-Abort,
                // badly structured transaction portion (3), when we can address it.
                if let Ok(sum) = ainsim_wire::tcap::peek(&data) {
                    if let (ainsim_wire::tcap::Kind::Ansi(pt), Some(o)) = (sum.kind, sum.otid) {
                        if !matches!(pt, ansi::PackageType::Abort | ansi::PackageType::Response) {
                            self.ain_p_abort(o.to_vec(), 3, out);
                        }
                    }
                }
                return;
            }
        };
        let orders = Self::ain_orders(&m);
        use ansi::PackageType as P;
        match m.package_type {
            P::QueryWithPerm | P::QueryWithoutPerm => {
                let Some(peer) = m.originating_id().map(<[u8]>::to_vec) else { return };
                self.ain_create_call(now, peer, orders, out);
            }
            P::ConversationWithPerm | P::ConversationWithoutPerm | P::Response | P::Abort => {
                let slot = m
                    .responding_id()
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .and_then(|b| self.ain.slot_of_tid(u32::from_be_bytes(b)));
                let Some(slot) = slot else {
                    self.ain.counters.malformed += 1;
                    self.dropped(format!("{}: TCAP for an unknown transaction", self.name), bytes, out);
                    // T1.114: unassigned responding transaction ID (4).
                    if let (P::ConversationWithPerm | P::ConversationWithoutPerm, Some(o)) =
                        (m.package_type, m.originating_id())
                    {
                        self.ain_p_abort(o.to_vec(), 4, out);
                    }
                    return;
                };
                if let Some(d) = self.ain.get(slot) {
                    if d.peer.is_none() {
                        d.peer = m.originating_id().map(<[u8]>::to_vec);
                    }
                }
                out.cancel_timer(tid(T_RESPONSE, slot as u32));
                if m.package_type == P::Abort {
                    self.ain.counters.aborts_received += 1;
                    let waiting = self.ain.get(slot).is_some_and(|d| d.waiting);
                    if let Some(d) = self.ain_forget(slot, out) {
                        if waiting {
                            self.ain_fallback(now, d, out);
                        }
                    }
                    return;
                }
                let ended = m.package_type == P::Response;
                self.ain_execute(now, slot, orders, ended, out);
            }
            P::Unidirectional => {}
        }
    }

    /// An ITU TCAP message carrying INAP.
    fn inap_receive(&mut self, now: Instant, m: itu::Message, bytes: &[u8], out: &mut Outputs) {
        let orders = inap_orders(&m);
        use itu::MessageType as M;
        if m.message_type == M::Begin {
            let Some(peer) = m.otid.clone() else { return };
            let acn = m.application_context().cloned();
            return self.ain_create_call_with(now, peer, acn, orders, out);
        }
        let slot = m
            .dtid
            .as_deref()
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .and_then(|b| self.ain.slot_of_tid(u32::from_be_bytes(b)));
        let Some(slot) = slot else {
            self.ain.counters.malformed += 1;
            self.dropped(format!("{}: TCAP for an unknown transaction", self.name), bytes, out);
            if let (M::Continue, Some(o)) = (m.message_type, m.otid.clone()) {
                // Q.774: unrecognizedTransactionID (1).
                self.ain.counters.aborts_sent += 1;
                let a = itu::Message {
                    message_type: M::Abort,
                    form: Default::default(),
                    otid: None,
                    dtid: Some(o),
                    p_abort_cause: Some(1),
                    dialogue: None,
                    components: None,
                };
                self.ain_send_tcap(&TcapRepr::Itu(a), 0, out);
            }
            return;
        };
        if let Some(d) = self.ain.get(slot) {
            if d.peer.is_none() {
                d.peer.clone_from(&m.otid);
            }
        }
        out.cancel_timer(tid(T_RESPONSE, slot as u32));
        if m.message_type == M::Abort {
            self.ain.counters.aborts_received += 1;
            let waiting = self.ain.get(slot).is_some_and(|d| d.waiting);
            if let Some(d) = self.ain_forget(slot, out) {
                if waiting {
                    self.ain_fallback(now, d, out);
                }
            }
            return;
        }
        self.ain_execute(now, slot, orders, m.message_type == M::End, out);
    }

    fn ain_orders(m: &ansi::Message) -> Orders {
        let mut o = Orders::default();
        for c in m.components() {
            let (ansi::Component::InvokeLast(inv) | ansi::Component::InvokeNotLast(inv)) = c else {
                continue;
            };
            let ansi::OpCode::Private(code) = inv.opcode else { continue };
            let Ok(op) = AinOperation::parse(code, inv.parameter.as_deref()) else { continue };
            let digits = |p: Param| op.digits(p).map(|d| d.digits.clone());
            match op.opcode {
                AinOpcode::RequestReportBcmEvent => {
                    let timer = match op.get(Param::TNoAnswerTimer).or(op.get(Param::ONoAnswerTimer)) {
                        Some(Value::Integer(s)) if *s > 0 => Some(Duration::from_secs(*s as u64)),
                        _ => None,
                    };
                    let (r, n) =
                        (bits_mask(op.get(Param::EdpRequest)), bits_mask(op.get(Param::EdpNotification)));
                    o.arm = Some((r, n, timer));
                }
                AinOpcode::AnalyzeRoute => o.route = digits(Param::CalledPartyId),
                AinOpcode::AuthorizeTermination | AinOpcode::Continue => o.authorize = true,
                AinOpcode::Disconnect => o.disconnect = true,
                AinOpcode::SendToResource => {
                    let ann = match op.get(Param::StrParameterBlock) {
                        Some(Value::StrParameterBlock(StrParameterBlock::AnnouncementBlock(b))) => b
                            .uninterruptible
                            .as_ref()
                            .or(b.interruptible.as_ref())
                            .and_then(|l| l.first())
                            .and_then(|e| Some(u16::from_be_bytes([*e.0.first()?, *e.0.get(1)?]))),
                        _ => None,
                    };
                    let dest = digits(Param::DestinationAddress).unwrap_or_default();
                    o.resource = Some(match ann {
                        Some(id) => format!("{dest}{id}"),
                        None => dest,
                    });
                }
                AinOpcode::CreateCall => {
                    if let Some(called) = digits(Param::CalledPartyId) {
                        o.create = Some((called, digits(Param::CallingPartyId)));
                    }
                }
                AinOpcode::Close => o.close = true,
                _ => {}
            }
        }
        o
    }

    /// An ISCP-initiated call: ring the line named by Create_Call.
    fn ain_create_call(&mut self, now: Instant, peer: Vec<u8>, o: Orders, out: &mut Outputs) {
        self.ain_create_call_with(now, peer, None, o, out);
    }

    /// Create_Call / InitiateCallAttempt (ITU: `acn` is the AARQ's context, answered with an AARE).
    fn ain_create_call_with(
        &mut self,
        now: Instant,
        peer: Vec<u8>,
        acn: Option<ainsim_wire::tcap::Oid>,
        o: Orders,
        out: &mut Outputs,
    ) {
        let Some((called, calling)) = o.create.clone() else { return };
        self.ain.counters.created_calls += 1;
        let li = self.plan.line(&called);
        let Some(slot) = self.ain.alloc(Bcm::O, Leg::Line(li.unwrap_or(u32::MAX))) else { return };
        if let Some(d) = self.ain.get(slot) {
            d.peer = Some(peer);
            d.aare = acn;
            if let Some((r, n, t)) = o.arm {
                d.request |= r;
                d.notify |= n;
                d.no_answer = t.or(d.no_answer);
            }
            // Onward legs (the IP, the second party) are called from the rung line.
            d.setup = Some(Box::new(Setup {
                called: called.clone(),
                calling: Some(called.clone()),
                category: 10,
                iam: None,
                rule: None,
            }));
        }
        out.event(
            None,
            EventKind::CallAttempt { from: calling.clone().unwrap_or_default(), to: called.clone() },
        );
        let free = li.filter(|&l| {
            let line = &self.lines[l as usize];
            line.in_service && line.state == Ls::Idle
        });
        let Some(l) = free else {
            if !self.ain_report(now, slot, Ev::Busy, out) {
                self.ain_send(slot, ansi::PackageType::Response, &[], out);
                self.ain_forget(slot, out);
            }
            return;
        };
        let line = &mut self.lines[l as usize];
        line.state = Ls::Ringing;
        line.originating = false;
        self.line_send(l, &LineSignal::Ring { caller: calling }, out);
        Self::line_event(l, EventKind::Alerting, out);
        let armed = self.ain.get(slot).map_or(0, |d| d.request | d.notify);
        if armed & mask(edp::O_NO_ANSWER) != 0 {
            let na = self.ain.get(slot).and_then(|d| d.no_answer);
            let cfg_na = self.ain.cfg.as_ref().map_or(Duration::from_secs(30), |c| c.no_answer);
            self.set(now, T_NO_ANSWER, slot as u32, na.unwrap_or(cfg_na), out);
        }
    }

    /// Carries out the ISCP's instructions on dialogue `slot`.
    fn ain_execute(&mut self, now: Instant, slot: usize, o: Orders, ended: bool, out: &mut Outputs) {
        self.ain.counters.instructions += 1;
        let Some(d) = self.ain.get(slot) else { return };
        d.waiting = false;
        if let Some((r, n, t)) = o.arm {
            d.request |= r;
            d.notify |= n;
            d.no_answer = t.or(d.no_answer);
        }
        let (ctrl, bcm, line) = (d.ctrl, d.bcm, d.line);
        let answered = d.answered;
        let keep = !ended && !o.close && !o.disconnect;
        let setup = d.setup.clone();
        let rule = d.rule;
        // Take the dialogue out while the call moves on: its own routing must
        // not report to it. It goes back afterwards if it stays open.
        let Some(mut dlg) = self.ain.dialogues[slot].take() else { return };
        if o.disconnect {
            out.cancel_timer(tid(T_NO_ANSWER, slot as u32));
            out.cancel_timer(tid(T_RESPONSE, slot as u32));
            self.ain.trim();
            if let Some(ip) = dlg.ip {
                self.deliver(now, ip, Sig::Release(cause::NORMAL), out);
            }
            self.ain_release(
                now,
                ctrl,
                o.cause.unwrap_or(if answered { cause::NORMAL } else { cause::NORMAL_UNSPECIFIED }),
                out,
            );
            return;
        }
        let mut far = dlg.far;
        if let Some(number) = o.resource.clone() {
            if dlg.far_answered {
                // The second leg answered meanwhile: the customer stays with it.
                return self.ain_reinstate(slot, dlg, keep, out);
            }
            // A second leg being set up (it rings while the customer hears the IP).
            let pending = if dlg.resource { None } else { dlg.far };
            // Send_To_Resource: a trunk to the IP, called = its number + announcement id.
            dlg.resource = true;
            self.ain.put(slot, dlg);
            let s = Box::new(Setup {
                called: number.clone(),
                calling: setup.as_ref().and_then(|s| s.calling.clone()),
                category: setup.as_ref().map_or(10, |s| s.category),
                iam: None,
                rule: None,
            });
            let a = self.plan.analyze(&number);
            self.ain.bypass_ia = true;
            self.route(now, ctrl, s, a, out);
            self.ain.bypass_ia = false;
            if let Some(d) = self.ain.get(slot) {
                d.far = self.bridge.peer(ctrl);
            }
            if let Some(b) = pending {
                self.ain_hold(slot, b);
            }
            if let Some((to, _)) = o.create {
                self.ain_call_leg2(now, slot, to, out);
            }
            return;
        }
        if let Some(to) = o.route.clone() {
            let mut s = setup.unwrap_or_else(|| {
                Box::new(Setup { called: String::new(), calling: None, category: 10, iam: None, rule: None })
            });
            s.called = to.clone();
            if let Some(d) = &mut dlg.setup {
                d.called = to.clone();
            }
            dlg.far_answered = false;
            dlg.far = None;
            dlg.ringing = false;
            let a = self.plan.analyze(&to);
            let a = if a == Analysis::Incomplete { Analysis::Unallocated } else { a };
            self.ain_reinstate(slot, dlg, keep, out);
            self.ain.bypass_ia = true;
            self.route(now, ctrl, s, a, out);
            self.ain.bypass_ia = false;
            far = self.bridge.peer(ctrl);
        } else if o.authorize && dlg.far.is_none() && !dlg.answered {
            self.ain_reinstate(slot, dlg, keep, out);
            match (bcm, line, setup) {
                (Bcm::T, Some(li), Some(s)) => {
                    self.ain.bypass_tat = true;
                    self.terminate(now, li, ctrl, &s, out);
                    self.ain.bypass_tat = false;
                }
                (Bcm::O, _, Some(s)) => {
                    let a = match rule {
                        Some(r) if self.plan.routable(r) => Analysis::Route(r),
                        _ => self.plan.analyze(&s.called),
                    };
                    self.ain.bypass_ia = true;
                    self.route(now, ctrl, s, a, out);
                    self.ain.bypass_ia = false;
                }
                _ => {}
            }
            far = self.bridge.peer(ctrl);
        } else if let Some((to, _)) = o.create.clone() {
            self.ain_reinstate(slot, dlg, keep, out);
            self.ain_call_leg2(now, slot, to, out);
            return;
        } else {
            self.ain_reinstate(slot, dlg, keep, out);
        }
        if let Some(d) = self.ain.get(slot) {
            if far.is_some() {
                d.far = far;
            }
        }
    }

    /// Create_Call / InitiateCallAttempt in an open dialogue whose customer
    /// answered: the call's second leg, from the customer to `to`. A
    /// customer on the IP stays there (the IP attached one way) while the
    /// leg is set up; it is bridged to the leg, and the IP released, when
    /// the leg answers.
    fn ain_call_leg2(&mut self, now: Instant, slot: usize, to: String, out: &mut Outputs) {
        let Some(d) = self.ain.get(slot) else { return };
        if !d.answered || d.far_answered || d.ip.is_some() || (d.far.is_some() && !d.resource) {
            // Nothing to call from, or a second leg already there.
            return;
        }
        let ctrl = d.ctrl;
        let mut s = d.setup.clone().unwrap_or_else(|| {
            Box::new(Setup { called: String::new(), calling: None, category: 10, iam: None, rule: None })
        });
        s.called.clone_from(&to);
        if d.resource {
            d.resource = false;
            d.ip = d.far.take();
        }
        d.ringing = false;
        let a = self.plan.analyze(&to);
        let a = if a == Analysis::Incomplete { Analysis::Unallocated } else { a };
        self.ain.bypass_ia = true;
        self.route(now, ctrl, s, a, out);
        self.ain.bypass_ia = false;
        // The leg is joined to the customer, or it failed at once (the
        // customer is then back on the IP alone: `ain_leg2_failed`).
        let b = self.bridge.peer(ctrl);
        let Some(d) = self.ain.get(slot) else { return };
        match d.ip {
            Some(ip) if b.is_some() && b != Some(ip) => {
                d.far = b;
                self.bridge.attach(ip, ctrl);
            }
            Some(_) => {}
            None => d.far = b,
        }
    }

    /// The customer holds on the IP (`far`, joined) while second leg `b`
    /// rings: the customer is joined to `b`, the IP attached one way.
    fn ain_hold(&mut self, slot: usize, b: Leg) {
        let Some(d) = self.ain.get(slot) else { return };
        let Some(ip) = d.far.filter(|_| d.resource) else { return };
        let ctrl = d.ctrl;
        d.resource = false;
        d.ip = Some(ip);
        d.far = Some(b);
        self.bridge.join(ctrl, b);
        self.bridge.attach(ip, ctrl);
    }

    /// The second leg failed (busy, no answer, not routable) while the
    /// customer holds on the IP: the customer is joined to the IP alone
    /// again (as after Send_To_Resource), and the ISCP hears of it. Always
    /// true: the release goes no further than the call model.
    fn ain_leg2_failed(&mut self, now: Instant, slot: usize, ev: Option<Ev>, out: &mut Outputs) -> bool {
        let Some(d) = self.ain.get(slot) else { return true };
        let ctrl = d.ctrl;
        d.far_answered = false;
        d.far = None;
        d.ringing = false;
        if let Some(ip) = d.ip.take() {
            d.resource = true;
            d.far = Some(ip);
            self.bridge.join(ctrl, ip);
        }
        if let Some(ev) = ev {
            self.ain_report(now, slot, ev, out);
        }
        true
    }

    /// Puts dialogue `dlg` back in `slot` if it stays open; otherwise it is over.
    fn ain_reinstate(&mut self, slot: usize, dlg: Dialogue, keep: bool, out: &mut Outputs) {
        if keep && (dlg.request | dlg.notify) != 0 {
            self.ain.put(slot, dlg);
        } else {
            if keep {
                // Nothing armed, nothing to wait for: the SSP ends it.
                self.ain.put(slot, dlg);
                self.ain_send(slot, ansi::PackageType::Response, &[], out);
            }
            self.ain_forget(slot, out);
        }
    }
}

// ------------------------------------------------------------------ INAP

fn inap_acn() -> ainsim_wire::tcap::Oid {
    // ETSI INAP CS-1 SSF to SCF generic application context (0.4.0.1.1.0.0.0), as the ISCP uses.
    ainsim_wire::tcap::Oid::new(&[0, 4, 0, 1, 1, 0, 0, 0])
}

/// INAP EventTypeBCSM (Q.1218) of an AIN report.
fn inap_event(op: AinOpcode) -> Option<i64> {
    Some(match op {
        AinOpcode::NetworkBusy => 5,
        AinOpcode::ONoAnswer => 6,
        AinOpcode::OAnswer => 7,
        AinOpcode::ODisconnect => 9,
        AinOpcode::TBusy => 13,
        AinOpcode::TNoAnswer => 14,
        AinOpcode::TAnswer => 15,
        AinOpcode::TDisconnect => 17,
        _ => return None,
    })
}

/// The EDP bit of an INAP EventTypeBCSM.
fn edp_of_inap(e: i64) -> Option<u32> {
    Some(match e {
        5 => edp::O_BUSY,
        6 => edp::O_NO_ANSWER,
        7 => edp::O_ANSWER,
        9 => edp::O_DISCONNECT,
        13 => edp::T_BUSY,
        14 => edp::T_NO_ANSWER,
        15 => edp::T_ANSWER,
        17 => edp::T_DISCONNECT,
        _ => return None,
    })
}

/// The INAP operation that says what `op` says: InitialDP for a trigger,
/// EventReportBCSM for a report, SpecializedResourceReport for Resource_Clear.
fn inap_of(op: &AinOperation, request: bool) -> Option<InapOperation> {
    use InapElement as E;
    use InapField as F;
    let number = |p: Param| op.digits(p).map(|d| InapValue::Number(IsupNumber::national(&d.digits)));
    match op.opcode {
        AinOpcode::InfoAnalyzed | AinOpcode::TerminationAttempt => {
            // analysedInformation (3) / termAttemptAuthorized (12).
            let event = if op.opcode == AinOpcode::InfoAnalyzed { 3 } else { 12 };
            let mut els = vec![E::new(F::ServiceKey, InapValue::Integer(100))];
            if let Some(n) = number(Param::CalledPartyId) {
                els.push(E::new(F::CalledPartyNumber, n));
            }
            if let Some(n) = number(Param::CallingPartyId) {
                els.push(E::new(F::CallingPartyNumber, n));
            }
            els.push(E::new(F::EventTypeBcsm, InapValue::Integer(event)));
            Some(InapOperation::new(InapOpcode::InitialDp, els))
        }
        AinOpcode::ResourceClear => {
            Some(InapOperation { opcode: InapOpcode::SpecializedResourceReport, argument: None })
        }
        other => {
            let e = inap_event(other)?;
            // miscCallInfo { messageType [0] request (0) | notification (1) }.
            let misc = vec![0x80, 0x01, u8::from(!request)];
            Some(InapOperation::new(
                InapOpcode::EventReportBcsm,
                vec![
                    E::new(F::EventTypeBcsm, InapValue::Integer(e)),
                    E::new(F::MiscCallInfo, InapValue::Contents(ainsim_wire::ain::Octets(misc))),
                ],
            ))
        }
    }
}

/// The instructions in an ITU TCAP message from the ISCP.
fn inap_orders(m: &itu::Message) -> Orders {
    let mut o = Orders::default();
    let mut ip: Option<String> = None;
    let mut announcement: Option<i64> = None;
    for c in m.components() {
        let itu::Component::Invoke(inv) = c else { continue };
        let itu::Code::Local(code) = inv.opcode else { continue };
        let Ok(op) = InapOperation::parse(code, inv.parameter.as_deref()) else { continue };
        let first = |f: InapField| match op.get(f) {
            Some(InapValue::Numbers(n)) => n.first().map(|n| n.digits.clone()),
            Some(InapValue::Number(n)) => Some(n.digits.clone()),
            _ => None,
        };
        match op.opcode {
            InapOpcode::Connect => o.route = first(InapField::DestinationRoutingAddress),
            InapOpcode::Continue => o.authorize = true,
            InapOpcode::ReleaseCall => {
                o.disconnect = true;
                if let Some(ainsim_wire::InapArgument::Cause(c)) = &op.argument {
                    o.cause = Some(c.value);
                }
            }
            InapOpcode::ConnectToResource => ip = first(InapField::IpRoutingAddress),
            InapOpcode::PlayAnnouncement => {
                if let Some(InapValue::InformationToSend(
                    ainsim_wire::inap::InformationToSend::InbandInfo { message_id, .. },
                )) = op.get(InapField::InformationToSend)
                {
                    announcement = Some(*message_id);
                }
            }
            InapOpcode::RequestReportBcsmEvent => {
                let Some(InapValue::BcsmEvents(evs)) = op.get(InapField::BcsmEvents) else { continue };
                let (mut r, mut n, mut timer) = (0, 0, None);
                for e in evs {
                    let Some(b) = edp_of_inap(e.event_type) else { continue };
                    match e.monitor_mode {
                        0 => r |= mask(b),
                        1 => n |= mask(b),
                        _ => {}
                    }
                    // DPSpecificCriteria { applicationTimer [1] INTEGER (seconds) }.
                    if let Some(crit) = &e.dp_specific_criteria {
                        if let [0x81, len @ (1 | 2), rest @ ..] = crit.0.as_slice() {
                            let v =
                                rest.iter().take(usize::from(*len)).fold(0u64, |a, b| a << 8 | u64::from(*b));
                            if v > 0 {
                                timer = Some(Duration::from_secs(v));
                            }
                        }
                    }
                }
                o.arm = Some((r, n, timer));
            }
            InapOpcode::InitiateCallAttempt => {
                if let Some(called) = first(InapField::DestinationRoutingAddress) {
                    o.create = Some((called, first(InapField::CallingPartyNumber)));
                }
            }
            _ => {}
        }
    }
    if let Some(ip) = ip {
        o.resource = Some(match announcement {
            Some(id) => format!("{ip}{id}"),
            None => ip,
        });
    }
    o
}

#[cfg(test)]
mod tests {
    use ainsim_wire::{PointCode, Variant};

    use super::*;
    use crate::core::{Element, Input, Output, Port};
    use crate::sp::SignallingPoint;
    use crate::ssp::{SspConfig, TriggerKind};

    const LINK: Port = Port(100);

    fn pc(m: u8) -> PointCode {
        PointCode::ansi(1, 1, m)
    }

    fn config() -> SspConfig {
        let mut c: SspConfig = serde_json::from_value(serde_json::json!({
            "name": "SSP-A",
            "signalling": { "point_code": pc(1), "variant": "ansi",
                            "linksets": [ { "adjacent": pc(10), "ports": [100] } ] },
            "lines": [ { "number": "2015550100", "port": 0 }, { "number": "2015550101", "port": 1 } ],
            "numbering": { "number_length": 10, "routes": [
                { "prefix": "800", "trigger": "info_analyzed" } ] },
            "ain": { "iscp_pc": pc(50), "termination_attempt": ["2015550101"] },
        }))
        .unwrap();
        c.numbering.routes[0].trigger = Some(TriggerKind::InfoAnalyzed);
        c
    }

    fn udt(tcap: &[u8]) -> Vec<u8> {
        let v = Variant::Ansi;
        let u = SccpRepr::Udt(sccp::Udt {
            protocol_class: ProtocolClass { class: 0, return_on_error: false, spare: 0 },
            called_party: Address::pc_ssn(v, pc(1), 248),
            calling_party: Address::pc_ssn(v, pc(50), 248),
            data: tcap.to_vec(),
        });
        SignallingPoint::new(pc(50), v, 2).build(3, pc(1), 0, &u.to_bytes(v).unwrap()).unwrap()
    }

    /// A switch that dialled 800 and waits for the ISCP; returns our TID.
    fn waiting() -> (Ssp, Vec<u8>) {
        let mut s = Ssp::new(&config()).unwrap();
        let mut out = Outputs::new();
        s.handle(Instant::ZERO, Input::Start, &mut out);
        for sig in [LineSignal::OffHook, LineSignal::Digits("8005551234".into())] {
            s.handle(Instant(1), Input::Recv { port: Port(0), bytes: &sig.to_bytes().unwrap() }, &mut out);
        }
        let query = out
            .drain()
            .filter_map(|o| match o {
                Output::Send { port: LINK, bytes } => Some(bytes),
                _ => None,
            })
            .find_map(|b| {
                let f = ainsim_wire::stack::Frame::decode(
                    &b,
                    ainsim_wire::stack::Start::Mtp3,
                    Variant::Ansi,
                    false,
                )
                .ok()?;
                match f.tcap? {
                    TcapRepr::Ansi(m) if m.package_type == ansi::PackageType::QueryWithPerm => {
                        Some(m.transaction_id)
                    }
                    _ => None,
                }
            })
            .unwrap();
        assert_eq!(s.ain_dialogues(), 1);
        (s, query)
    }

    #[test]
    fn the_ain_section_is_optional_and_defaults_sensibly() {
        let c = config();
        let ain = c.ain.as_ref().unwrap();
        assert_eq!(ain.response_timer, Duration::from_secs(3));
        assert_eq!((ain.on_timeout, ain.timeout_cause), (TimeoutAction::Release, 41));
        assert_eq!((ain.iscp_ssn, ain.ssn, ain.iscp_gt.as_deref()), (None, None, None));
        let mut plain = serde_json::to_value(&c).unwrap();
        plain.as_object_mut().unwrap().remove("ain");
        let back: SspConfig = serde_json::from_value(plain).unwrap();
        assert_eq!(back.ain, None, "a configuration without `ain` still parses");
        let t: AinConfig = serde_json::from_str(
            r#"{"iscp_pc": 5, "iscp_gt": "8885550000", "response_timer": "2s", "on_timeout": "continue"}"#,
        )
        .unwrap();
        assert_eq!((t.response_timer, t.on_timeout), (Duration::from_secs(2), TimeoutAction::Continue));
    }

    #[test]
    fn a_conversation_for_an_unknown_transaction_gets_a_p_abort() {
        let (mut s, ours) = waiting();
        let m = ansi::Message {
            package_type: ansi::PackageType::ConversationWithPerm,
            form: Default::default(),
            transaction_id: [vec![9, 9, 9, 9], vec![0xde, 0xad, 0xbe, 0xef]].concat(),
            dialogue: None,
            components: None,
            abort_cause: None,
        };
        let mut out = Outputs::new();
        s.handle(Instant(2), Input::Recv { port: LINK, bytes: &udt(&m.to_bytes().unwrap()) }, &mut out);
        let sent: Vec<_> = out
            .drain()
            .filter_map(|o| match o {
                Output::Send { bytes, .. } => {
                    ainsim_wire::stack::Frame::decode(
                        &bytes,
                        ainsim_wire::stack::Start::Mtp3,
                        Variant::Ansi,
                        false,
                    )
                    .ok()?
                    .tcap
                }
                _ => None,
            })
            .collect();
        let [TcapRepr::Ansi(a)] = sent.as_slice() else { panic!("{sent:?}") };
        assert_eq!(a.package_type, ansi::PackageType::Abort);
        assert_eq!(a.abort_cause, Some(ansi::AbortCause::PAbort(4)));
        assert_eq!(a.transaction_id, [9, 9, 9, 9]);
        assert_eq!((s.ain_counters().malformed, s.ain_dialogues(), ours.len()), (1, 1, 4));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_tcap_never_panics(
            pt in proptest::sample::select(vec![0xe2u8, 0xe4, 0xe5, 0xe6, 0xe1, 0xf6, 0xe9]),
            op in proptest::sample::select(vec![0x6501u16, 0x6502, 0x6503, 0x6507, 0x650d, 0x6601, 0x6d01, 0x6e01, 0x1234]),
            param in proptest::collection::vec(proptest::num::u8::ANY, 0..24),
            raw in proptest::collection::vec(proptest::num::u8::ANY, 0..32),
        ) {
            let (mut s, ours) = waiting();
            let mut out = Outputs::new();
            // A package toward our transaction with a random parameter.
            let mut inv = vec![0xcf, 0x01, 0x01, 0xd1, 0x02, (op >> 8) as u8, op as u8];
            inv.extend_from_slice(&param);
            let comp = [vec![0xe9, inv.len() as u8], inv].concat();
            let comps = [vec![0xe8, comp.len() as u8], comp].concat();
            let tids = if pt == 0xe4 { ours.clone() } else { [vec![1, 2, 3, 4], ours].concat() };
            let body = [vec![0xc7, tids.len() as u8], tids, comps].concat();
            let tcap = [vec![pt, body.len() as u8], body].concat();
            s.handle(Instant(2), Input::Recv { port: LINK, bytes: &udt(&tcap) }, &mut out);
            s.handle(Instant(3), Input::Recv { port: LINK, bytes: &udt(&raw) }, &mut out);
            let mut msu = SignallingPoint::new(pc(50), Variant::Ansi, 2).build(3, pc(1), 0, &[]).unwrap();
            msu.extend_from_slice(&raw);
            s.handle(Instant(4), Input::Recv { port: LINK, bytes: &msu }, &mut out);
            for t in [T_RESPONSE, T_NO_ANSWER] {
                s.handle(Instant(5), Input::Timer(tid(t, 0)), &mut out);
            }
            s.handle(Instant(6), Input::Recv { port: Port(0), bytes: &LineSignal::OnHook.to_bytes().unwrap() }, &mut out);
        }
    }
}
