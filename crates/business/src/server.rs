//! The business web server's logic (the seed's Fig. 6), sans-IO, over an
//! [`ainsim_store::Store`].
//!
//! [`BusinessServer`] takes call requests (Fig. 7 from its own shop page,
//! Fig. 9 when the page addressed the calling equipment), remembers the
//! customer and the pages they viewed, asks the [`Acd`] for a
//! representative, and turns each decision into an [`Action`]: the Fig. 8
//! call initiation message to send to the Internet access server (built
//! as the access server's own [`OsnMessage::CallInstruction`]), the
//! screen pop for the chosen representative's console (step 612), a
//! queue position with its estimated wait, a callback scheduled. The
//! network's answers ([`CallStatus`], or the explicit
//! [`BusinessServer::representative_unreached`] and friends) move the ACD
//! on; a representative who cannot be reached makes it pick the next one.
//! What came of a call (order, complaint, note: steps 614–616) is recorded.
//!
//! Stored (trees `business.*`): representatives, customers, orders, call
//! results, pending callbacks (with their place in line and their due
//! time in Unix seconds) and the id counters. [`BusinessServer::open`] on
//! the same store restores them: representatives come back logged out,
//! callbacks come back in line (due ones at once). Calls in progress are
//! not stored: after a restart the network side finishes or fails them.
//!
//! Time: `now` is the run's [`Instant`]; Unix time is
//! [`BusinessConfig::unix_time_at_start`] plus `now`, as in the access
//! server. Nothing here reads a clock, sends a packet or panics on input.

use std::collections::BTreeMap;

use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage};
use ainsim_elements::Instant;
use ainsim_store::{Store, StoreError, StoreExt};

use crate::acd::{
    AbandonReason, Acd, AcdConfig, AcdError, AgentView, CallId, CallPhase, CallSpec, Decision, Unreached,
};
use crate::model::{
    CallRecord, CallResult, Customer, EquipmentCallRequest, InvalidField, Order, PageContext, Representative,
    Status, WebCallRequest,
};

const T_REPS: &str = "business.representatives";
const T_CUSTOMERS: &str = "business.customers";
const T_ORDERS: &str = "business.orders";
const T_RESULTS: &str = "business.results";
const T_CALLBACKS: &str = "business.callbacks";
const T_META: &str = "business.meta";
/// Finished calls remembered for late results before the oldest are dropped.
const MAX_FINISHED: usize = 10_000;

/// The business's settings.
///
/// ```json
/// {"business": "abc-travel", "password": "cruise-ship-7", "equipment": "ias.telco.example",
///  "server": "abc-travel.example", "unix_time_at_start": 1795910400, "seed": 1,
///  "acd": {"strategy": "longest_idle"}}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessConfig {
    /// The business id the telco gave it (Fig. 8 field 804).
    pub business: String,
    /// Its password at the access server (Fig. 8 field 806).
    pub password: String,
    /// The calling equipment's address (Fig. 8 field 802).
    pub equipment: String,
    /// This web server's address (Fig. 7 field 702), for the record.
    #[serde(default)]
    pub server: String,
    /// Unix seconds at the run's `Instant::ZERO`.
    #[serde(default)]
    pub unix_time_at_start: u64,
    /// Seed of the ACD's random strategy.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub acd: AcdConfig,
}

/// What the representative's console shows while the call is set up (step 612).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScreenPop {
    pub call: CallId,
    pub agent: String,
    pub customer: Customer,
    pub page: PageContext,
    #[serde(default)]
    pub note: String,
}

/// What the business server asks its front to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Send this to the access server now: a Fig. 8 call initiation
    /// message ([`OsnMessage::CallInstruction`]), or, for a customer the
    /// network keeps on hold after `representative_unavailable`, an
    /// [`OsnMessage::NextRepresentative`] under the same request id.
    Instruction { call: CallId, agent: String, message: OsnMessage },
    /// Push this to `pop.agent`'s console.
    ScreenPop { pop: ScreenPop },
    /// Tell the shopper where they are in line.
    Queued { call: CallId, position: usize, estimated_wait_ms: Option<u64> },
    /// The call will be made at `due_unix` (Unix seconds).
    Scheduled { call: CallId, due_unix: u64 },
    /// The representative missed too many calls and is now away.
    AgentAway { agent: String },
    /// The call was given up by the ACD or the business.
    Abandoned { call: CallId, reason: AbandonReason },
    /// The call failed in the network or at the access server.
    Failed { call: CallId, reason: String },
}

/// Why the business server refused an input.
#[derive(Debug, thiserror::Error)]
pub enum BusinessError {
    #[error("invalid request: {0}")]
    Invalid(#[from] InvalidField),
    #[error(transparent)]
    Acd(#[from] AcdError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("business: no {0}")]
    UnknownCall(CallId),
    #[error("business: no request {0}")]
    UnknownRequest(u64),
    #[error("business: no representative {0:?}")]
    UnknownRepresentative(String),
    #[error("business: no customer with id {0:?}")]
    UnknownCustomer(String),
    #[error("business: {call} was handled by {handled_by:?}, not {agent:?}")]
    NotYourCall { call: CallId, agent: String, handled_by: Option<String> },
}

/// A call as the live view and the console see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallSummary {
    pub call: CallId,
    pub customer: String,
    /// The representative of the current (or last) attempt.
    pub agent: Option<String>,
    /// The current attempt's request id at the access server.
    pub request_id: Option<u64>,
    /// Where it stands in the ACD; `None` once it has left it.
    pub phase: Option<CallPhase>,
    pub answered: bool,
    pub finished: bool,
}

/// A pending callback as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct StoredCallback {
    call: CallId,
    seq: u64,
    due_unix: u64,
    customer: String,
    page: PageContext,
    note: String,
    skill: Option<String>,
    preferred: Option<String>,
    priority: u8,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Counters {
    next_call: u64,
    next_order: u64,
    next_request: u64,
}

/// A call the server knows about.
#[derive(Debug, Clone)]
struct CallInfo {
    customer: String,
    page: PageContext,
    note: String,
    /// The representative of the current (or last) attempt.
    agent: Option<String>,
    /// The current attempt's request id at the access server.
    request: Option<u64>,
    /// The network has started calling the representative.
    calling_rep: bool,
    answered: bool,
    finished: bool,
    /// Held for the representative's wrap-up to end: send then.
    held: Option<(Instant, OsnMessage)>,
    /// The network reported `representative_unavailable` for `request` and
    /// keeps the customer on the announcement: the next pick goes to it as
    /// `next_representative` under the same request id.
    on_hold: bool,
}

/// The business web server (sans-IO).
pub struct BusinessServer {
    cfg: BusinessConfig,
    store: Box<dyn Store + Send>,
    acd: Acd,
    reps: BTreeMap<String, Representative>,
    calls: BTreeMap<CallId, CallInfo>,
    finished: std::collections::VecDeque<CallId>,
    requests: BTreeMap<u64, CallId>,
    counters: Counters,
}

impl std::fmt::Debug for BusinessServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BusinessServer")
            .field("business", &self.cfg.business)
            .field("representatives", &self.reps.len())
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

/// Fig. 8: the call initiation message for `customer` and a representative at `representative`.
pub fn call_instruction(
    cfg: &BusinessConfig,
    request_id: u64,
    customer: &str,
    representative: &str,
    contact_at: Option<u64>,
) -> OsnMessage {
    OsnMessage::CallInstruction {
        request_id,
        equipment: cfg.equipment.clone(),
        business: cfg.business.clone(),
        password: cfg.password.clone(),
        customer: customer.to_owned(),
        representative: representative.to_owned(),
        contact_at,
    }
}

fn key(n: u64) -> String {
    format!("{n:020}")
}

impl BusinessServer {
    /// Opens the business on `store`, restoring what was stored there.
    ///
    /// # Errors
    /// The store failed or holds records that do not decode.
    pub fn open(
        store: Box<dyn Store + Send>,
        cfg: BusinessConfig,
        now: Instant,
    ) -> Result<Self, BusinessError> {
        let acd = Acd::new(cfg.acd.clone(), cfg.seed);
        let counters: Counters = store.get(T_META, "counters")?.unwrap_or_default();
        let mut s = BusinessServer {
            cfg,
            store,
            acd,
            reps: BTreeMap::new(),
            calls: BTreeMap::new(),
            finished: std::collections::VecDeque::new(),
            requests: BTreeMap::new(),
            counters,
        };
        for (_, rep) in s.store.scan_prefix::<Representative>(T_REPS, "")? {
            s.acd.add_agent(&rep.id, rep.skills.clone())?;
            s.reps.insert(rep.id.clone(), rep);
        }
        let callbacks = s.store.scan_prefix::<StoredCallback>(T_CALLBACKS, "")?;
        let mut restored = Vec::new();
        for (_, cb) in callbacks {
            let due = s.instant_of(now, Some(cb.due_unix));
            let spec = CallSpec {
                id: cb.call,
                skill: cb.skill.clone(),
                preferred: cb.preferred.clone(),
                priority: cb.priority,
                due: Some(due),
            };
            s.calls.insert(cb.call, CallInfo::new(cb.customer.clone(), cb.page.clone(), cb.note.clone()));
            restored.extend(s.acd.restore_scheduled(now, spec, cb.seq)?);
        }
        // Nobody is logged in yet, so restoring offers nothing; keep the
        // queue decisions for nobody.
        let _ = s.act(now, restored)?;
        Ok(s)
    }

    /// The settings.
    pub fn config(&self) -> &BusinessConfig {
        &self.cfg
    }

    /// The ACD (read-only: statuses, queue, estimated waits).
    pub fn acd(&self) -> &Acd {
        &self.acd
    }

    /// Unix seconds at `now`.
    pub fn unix_time(&self, now: Instant) -> u64 {
        self.cfg.unix_time_at_start.saturating_add(now.micros() / 1_000_000)
    }

    fn instant_of(&self, now: Instant, unix: Option<u64>) -> Instant {
        match unix {
            Some(t) if t > self.unix_time(now) => {
                now.after(std::time::Duration::from_secs(t - self.unix_time(now)))
            }
            _ => now,
        }
    }

    fn save_counters(&mut self) -> Result<(), BusinessError> {
        let c = self.counters;
        self.store.put(T_META, "counters", &c)?;
        Ok(())
    }

    // --- representatives -------------------------------------------------

    /// Adds or replaces a representative (stored; a new one is logged out).
    ///
    /// # Errors
    /// A bad field, or the store failed.
    pub fn put_representative(&mut self, rep: Representative) -> Result<(), BusinessError> {
        rep.validate()?;
        if self.reps.contains_key(&rep.id) {
            self.acd.set_skills(&rep.id, rep.skills.clone())?;
        } else {
            self.acd.add_agent(&rep.id, rep.skills.clone())?;
        }
        self.store.put(T_REPS, &rep.id, &rep)?;
        self.reps.insert(rep.id.clone(), rep);
        Ok(())
    }

    /// Removes a representative.
    ///
    /// # Errors
    /// No such representative, they hold a call, or the store failed.
    pub fn remove_representative(&mut self, id: &str) -> Result<(), BusinessError> {
        if !self.reps.contains_key(id) {
            return Err(BusinessError::UnknownRepresentative(id.into()));
        }
        self.acd.remove_agent(id)?;
        self.reps.remove(id);
        self.store.delete(T_REPS, id)?;
        Ok(())
    }

    /// A representative, if registered.
    pub fn representative(&self, id: &str) -> Option<&Representative> {
        self.reps.get(id)
    }

    /// Every representative, by id.
    pub fn representatives(&self) -> impl Iterator<Item = &Representative> {
        self.reps.values()
    }

    /// A representative's live state (status, call, counts).
    pub fn agent(&self, id: &str) -> Option<&AgentView> {
        self.acd.agent(id)
    }

    /// The console sets a representative's status (log in = `available`,
    /// log out = `logged_out`, `on_break`, `wrap_up`, `away`).
    ///
    /// # Errors
    /// No such representative, `on_call`, or they hold a call.
    pub fn set_status(
        &mut self,
        now: Instant,
        id: &str,
        status: Status,
    ) -> Result<Vec<Action>, BusinessError> {
        let d = self.acd.set_status(now, id, status)?;
        self.act(now, d)
    }

    /// The call an access-server request id belongs to (current attempts only).
    pub fn call_of_request(&self, request_id: u64) -> Option<CallId> {
        self.requests.get(&request_id).copied()
    }

    /// One call, while the server remembers it.
    pub fn call(&self, call: CallId) -> Option<CallSummary> {
        let info = self.calls.get(&call)?;
        Some(CallSummary {
            call,
            customer: info.customer.clone(),
            agent: info.agent.clone(),
            request_id: info.request,
            phase: self.acd.call_phase(call).cloned(),
            answered: info.answered,
            finished: info.finished,
        })
    }

    /// The calls not yet finished, by id.
    pub fn active_calls(&self) -> Vec<CallSummary> {
        self.calls.iter().filter(|(_, i)| !i.finished).filter_map(|(id, _)| self.call(*id)).collect()
    }

    // --- customers and orders --------------------------------------------

    /// Adds or replaces a customer (keyed by number).
    ///
    /// # Errors
    /// A bad field, or the store failed.
    pub fn put_customer(&mut self, c: &Customer) -> Result<(), BusinessError> {
        c.validate()?;
        self.store.put(T_CUSTOMERS, &c.number, c)?;
        Ok(())
    }

    /// The customer with this number.
    ///
    /// # Errors
    /// The store failed.
    pub fn customer(&self, number: &str) -> Result<Option<Customer>, BusinessError> {
        Ok(self.store.get(T_CUSTOMERS, number)?)
    }

    /// The customer with this id.
    ///
    /// # Errors
    /// The store failed.
    pub fn customer_by_id(&self, id: &str) -> Result<Option<Customer>, BusinessError> {
        let all = self.store.scan_prefix::<Customer>(T_CUSTOMERS, "")?;
        Ok(all.into_iter().map(|(_, c)| c).find(|c| c.id.as_deref() == Some(id)))
    }

    /// Every order, oldest first.
    ///
    /// # Errors
    /// The store failed.
    pub fn orders(&self) -> Result<Vec<Order>, BusinessError> {
        Ok(self.store.scan_prefix::<Order>(T_ORDERS, "")?.into_iter().map(|(_, o)| o).collect())
    }

    /// Every recorded call result, by call id.
    ///
    /// # Errors
    /// The store failed.
    pub fn call_records(&self) -> Result<Vec<CallRecord>, BusinessError> {
        Ok(self.store.scan_prefix::<CallRecord>(T_RESULTS, "")?.into_iter().map(|(_, r)| r).collect())
    }

    /// The pending callbacks: call, due time (Unix seconds), customer.
    ///
    /// # Errors
    /// The store failed.
    pub fn callbacks(&self) -> Result<Vec<(CallId, u64, String)>, BusinessError> {
        Ok(self
            .store
            .scan_prefix::<StoredCallback>(T_CALLBACKS, "")?
            .into_iter()
            .map(|(_, c)| (c.call, c.due_unix, c.customer))
            .collect())
    }

    // --- call requests ---------------------------------------------------

    /// Fig. 7: a call request from the shop page.
    ///
    /// # Errors
    /// A bad field (named), an unknown customer id without a number, or
    /// the store failed.
    pub fn web_request(
        &mut self,
        now: Instant,
        req: &WebCallRequest,
    ) -> Result<(CallId, Vec<Action>), BusinessError> {
        req.validate()?;
        let number = match (&req.customer_number, &req.customer_id) {
            (Some(n), _) => n.clone(),
            (None, Some(id)) => self
                .customer_by_id(id)?
                .map(|c| c.number)
                .ok_or_else(|| BusinessError::UnknownCustomer(id.clone()))?,
            (None, None) => {
                return Err(InvalidField::new("customer_number", "neither a number nor a customer id").into())
            }
        };
        let skill = req.page.page.skill.clone();
        self.new_call(
            now,
            number,
            req.customer_id.clone(),
            &req.page,
            req.note.clone(),
            skill,
            None,
            req.desired_contact_time,
        )
    }

    /// Fig. 9: a call request that named the calling equipment; the
    /// representative info from the page is a representative id or, when
    /// no representative has that id, a skill.
    ///
    /// # Errors
    /// A bad field (named; `business` when it is another business's), or
    /// the store failed.
    pub fn equipment_request(
        &mut self,
        now: Instant,
        req: &EquipmentCallRequest,
    ) -> Result<(CallId, Vec<Action>), BusinessError> {
        req.validate()?;
        if req.business != self.cfg.business {
            return Err(
                InvalidField::new("business", format!("{:?} is not this business", req.business)).into()
            );
        }
        let (preferred, skill) = match &req.representative {
            Some(r) if self.reps.contains_key(r) => (Some(r.clone()), req.page.page.skill.clone()),
            Some(r) => (None, Some(r.clone())),
            None => (None, req.page.page.skill.clone()),
        };
        self.new_call(
            now,
            req.customer_number.clone(),
            None,
            &req.page,
            String::new(),
            skill,
            preferred,
            req.desired_contact_time,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn new_call(
        &mut self,
        now: Instant,
        number: String,
        customer_id: Option<String>,
        page: &PageContext,
        note: String,
        skill: Option<String>,
        preferred: Option<String>,
        contact_at: Option<u64>,
    ) -> Result<(CallId, Vec<Action>), BusinessError> {
        let mut customer = self.customer(&number)?.unwrap_or_else(|| Customer::new(number.clone()));
        if customer.id.is_none() {
            customer.id = customer_id;
        }
        customer.viewed(page.recently_viewed.iter().cloned().chain([page.page.clone()]));
        self.put_customer(&customer)?;
        let id = CallId(self.counters.next_call);
        self.counters.next_call += 1;
        self.save_counters()?;
        let due = match contact_at {
            Some(t) if t > self.unix_time(now) => Some(self.instant_of(now, Some(t))),
            _ => None,
        };
        let spec = CallSpec {
            id,
            skill: skill.clone(),
            preferred: preferred.clone(),
            priority: customer.priority,
            due,
        };
        self.calls.insert(id, CallInfo::new(number.clone(), page.clone(), note.clone()));
        let d = self.acd.request(now, spec)?;
        if let (Some(t), Some(seq)) = (contact_at, self.acd.place_in_line(id)) {
            if due.is_some() {
                let cb = StoredCallback {
                    call: id,
                    seq,
                    due_unix: t,
                    customer: number,
                    page: page.clone(),
                    note,
                    skill,
                    preferred,
                    priority: customer.priority,
                };
                self.store.put(T_CALLBACKS, &key(id.0), &cb)?;
                // A promised callback must survive a crash, not just a restart.
                self.store.flush()?;
            }
        }
        let actions = self.act(now, d)?;
        Ok((id, actions))
    }

    // --- the network's answers --------------------------------------------

    /// The access server's answer to an instruction: a refusal fails the call.
    ///
    /// # Errors
    /// Unknown request id, or the store failed.
    pub fn instruction_result(
        &mut self,
        now: Instant,
        request_id: u64,
        result: &InstructionResult,
    ) -> Result<Vec<Action>, BusinessError> {
        let call = *self.requests.get(&request_id).ok_or(BusinessError::UnknownRequest(request_id))?;
        match result {
            InstructionResult::Accepted { .. } => Ok(Vec::new()),
            InstructionResult::Refused { reason, .. } => self.fail(now, call, reason.clone()),
        }
    }

    /// A [`CallStatus`] relayed by the access server for `request_id`.
    /// `failed` after the network started calling the representative means
    /// the representative was not reached (busy when the reason says so)
    /// and the next one is picked; before that, the customer was not
    /// reached and the call fails.
    ///
    /// # Errors
    /// Unknown request id, or the store failed.
    pub fn call_status(
        &mut self,
        now: Instant,
        request_id: u64,
        status: &CallStatus,
    ) -> Result<Vec<Action>, BusinessError> {
        let call = *self.requests.get(&request_id).ok_or(BusinessError::UnknownRequest(request_id))?;
        let info = self.calls.get_mut(&call).ok_or(BusinessError::UnknownCall(call))?;
        if info.request != Some(request_id) || info.finished {
            return Ok(Vec::new()); // a stale attempt
        }
        match status {
            CallStatus::CallingCustomer | CallStatus::CustomerAnswered | CallStatus::Announcing => {
                Ok(Vec::new())
            }
            CallStatus::CallingRepresentative => {
                info.calling_rep = true;
                Ok(Vec::new())
            }
            // The network retries the customer itself; a final `failed` follows the last attempt.
            CallStatus::CustomerUnavailable { .. } => Ok(Vec::new()),
            // The customer waits on the announcement: the ACD picks the next
            // representative, who is named to the network as `next_representative`.
            CallStatus::RepresentativeUnavailable { cause, .. } => {
                let why = if cause == "busy" { Unreached::Busy } else { Unreached::NoAnswer };
                info.on_hold = true;
                self.representative_unreached(now, call, why)
            }
            CallStatus::Cancelled => self.fail(now, call, "cancelled".into()),
            CallStatus::Connected => self.call_connected(now, call).map(|()| Vec::new()),
            CallStatus::Released => self.call_ended(now, call),
            CallStatus::Failed { reason } => {
                if info.calling_rep && !info.answered {
                    let why = if reason.to_ascii_lowercase().contains("busy") {
                        Unreached::Busy
                    } else {
                        Unreached::NoAnswer
                    };
                    self.representative_unreached(now, call, why)
                } else if info.answered {
                    self.call_ended(now, call)
                } else {
                    self.fail(now, call, reason.clone())
                }
            }
        }
    }

    /// The representative answered: the two are bridged.
    ///
    /// # Errors
    /// No such call, or it was not offered.
    pub fn call_connected(&mut self, now: Instant, call: CallId) -> Result<(), BusinessError> {
        let info = self.calls.get_mut(&call).ok_or(BusinessError::UnknownCall(call))?;
        info.answered = true;
        self.acd.answered(now, call)?;
        Ok(())
    }

    /// The representative was busy or did not answer: the ACD picks the
    /// next one (a new instruction follows) while the customer waits.
    ///
    /// # Errors
    /// No such call, or it was not offered.
    pub fn representative_unreached(
        &mut self,
        now: Instant,
        call: CallId,
        why: Unreached,
    ) -> Result<Vec<Action>, BusinessError> {
        let info = self.calls.get_mut(&call).ok_or(BusinessError::UnknownCall(call))?;
        info.calling_rep = false;
        info.held = None;
        // A customer the network keeps on hold stays under its request id;
        // otherwise the attempt is over and its late news is ignored.
        if !info.on_hold {
            if let Some(r) = info.request.take() {
                self.requests.remove(&r);
            }
        }
        let d = self.acd.unreached(now, call, why)?;
        self.act(now, d)
    }

    /// The call ended; the representative goes to wrap-up.
    ///
    /// # Errors
    /// No such call.
    pub fn call_ended(&mut self, now: Instant, call: CallId) -> Result<Vec<Action>, BusinessError> {
        if !self.calls.contains_key(&call) {
            return Err(BusinessError::UnknownCall(call));
        }
        let d = if self.acd.call_phase(call).is_some() { self.acd.ended(now, call)? } else { Vec::new() };
        self.finish(call)?;
        self.act(now, d)
    }

    /// The business (or the shopper) cancels a call wherever it stands.
    ///
    /// # Errors
    /// No such call, or the store failed.
    pub fn cancel(&mut self, now: Instant, call: CallId) -> Result<Vec<Action>, BusinessError> {
        if !self.calls.contains_key(&call) {
            return Err(BusinessError::UnknownCall(call));
        }
        let d = if self.acd.call_phase(call).is_some() { self.acd.abandon(now, call)? } else { Vec::new() };
        self.finish(call)?;
        self.act(now, d)
    }

    fn fail(&mut self, now: Instant, call: CallId, reason: String) -> Result<Vec<Action>, BusinessError> {
        let mut out = vec![Action::Failed { call, reason }];
        let d = if self.acd.call_phase(call).is_some() { self.acd.abandon(now, call)? } else { Vec::new() };
        self.finish(call)?;
        // The ACD's own "abandoned: cancelled" is replaced by the failure.
        let d = d
            .into_iter()
            .filter(|x| !matches!(x, Decision::Abandoned { call: c, .. } if *c == call))
            .collect();
        out.extend(self.act(now, d)?);
        Ok(out)
    }

    fn finish(&mut self, call: CallId) -> Result<(), BusinessError> {
        if let Some(info) = self.calls.get_mut(&call) {
            if !info.finished {
                info.finished = true;
                info.held = None;
                if let Some(r) = info.request {
                    self.requests.remove(&r);
                }
                self.finished.push_back(call);
                while self.finished.len() > MAX_FINISHED {
                    if let Some(old) = self.finished.pop_front() {
                        self.calls.remove(&old);
                    }
                }
            }
        }
        self.store.delete(T_CALLBACKS, &key(call.0))?;
        Ok(())
    }

    // --- Fig. 9: calls the network's own ACD routed ------------------------

    /// A Fig. 9 call: the shopper's page asked the network directly, the
    /// network's own ACD picked `agent`, and the access server's screen pop
    /// reached this server. The business takes it as a call of its own
    /// under a fresh id (so it never collides with the calls its ACD routes),
    /// already finished for its ACD (which did not route it and does not
    /// change the representative's status), with the customer's record
    /// updated with the pages viewed; the representative can post its
    /// result like any other (steps 614-616). Returns the pop for the
    /// console.
    ///
    /// # Errors
    /// A bad number or page, an unknown representative, or the store failed.
    pub fn network_call(
        &mut self,
        agent: &str,
        number: &str,
        page: &PageContext,
        note: String,
    ) -> Result<ScreenPop, BusinessError> {
        crate::model::check_number("customer", number)?;
        page.validate("page")?;
        if !self.reps.contains_key(agent) {
            return Err(BusinessError::UnknownRepresentative(agent.into()));
        }
        let mut customer = self.customer(number)?.unwrap_or_else(|| Customer::new(number.to_owned()));
        customer.viewed(page.recently_viewed.iter().cloned().chain([page.page.clone()]));
        self.put_customer(&customer)?;
        let id = CallId(self.counters.next_call);
        self.counters.next_call += 1;
        self.save_counters()?;
        let mut info = CallInfo::new(number.to_owned(), page.clone(), note.clone());
        info.agent = Some(agent.to_owned());
        self.calls.insert(id, info);
        self.finish(id)?;
        Ok(ScreenPop { call: id, agent: agent.to_owned(), customer, page: page.clone(), note })
    }

    // --- results (steps 614-616) -----------------------------------------

    /// The representative `agent` reports what came of `call`; an order is
    /// stored as an [`Order`] too.
    ///
    /// # Errors
    /// A bad field, a call this server does not know (or forgot), a call
    /// that `agent` did not handle, or the store failed.
    pub fn record_result(
        &mut self,
        now: Instant,
        call: CallId,
        agent: &str,
        result: CallResult,
    ) -> Result<CallRecord, BusinessError> {
        result.validate()?;
        let info = self.calls.get(&call).ok_or(BusinessError::UnknownCall(call))?;
        if info.agent.as_deref() != Some(agent) {
            return Err(BusinessError::NotYourCall {
                call,
                agent: agent.into(),
                handled_by: info.agent.clone(),
            });
        }
        let customer = info.customer.clone();
        let order = if let CallResult::Order { lines } = &result {
            let id = self.counters.next_order;
            self.counters.next_order += 1;
            self.save_counters()?;
            let o = Order {
                id,
                customer: customer.clone(),
                representative: agent.into(),
                call: call.0,
                lines: lines.clone(),
            };
            self.store.put(T_ORDERS, &key(id), &o)?;
            Some(id)
        } else {
            None
        };
        let rec = CallRecord {
            call: call.0,
            customer,
            representative: agent.into(),
            at: self.unix_time(now),
            result,
            order,
        };
        self.store.put(T_RESULTS, &key(call.0), &rec)?;
        self.store.flush()?;
        Ok(rec)
    }

    // --- timers ----------------------------------------------------------

    /// When [`BusinessServer::handle_timeout`] next has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let held = self.calls.values().filter_map(|c| c.held.as_ref().map(|h| h.0));
        held.chain(self.acd.poll_timeout()).min()
    }

    /// Runs the timers due at `now`.
    ///
    /// # Errors
    /// The store failed.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<Vec<Action>, BusinessError> {
        let mut out = Vec::new();
        for (call, info) in &mut self.calls {
            if info.held.as_ref().is_some_and(|h| h.0 <= now) {
                if let Some((_, message)) = info.held.take() {
                    let agent = info.agent.clone().unwrap_or_default();
                    out.push(Action::Instruction { call: *call, agent, message });
                }
            }
        }
        let d = self.acd.handle_timeout(now);
        out.extend(self.act(now, d)?);
        Ok(out)
    }

    /// Turns ACD decisions into actions.
    fn act(&mut self, now: Instant, decisions: Vec<Decision>) -> Result<Vec<Action>, BusinessError> {
        let mut out = Vec::new();
        for d in decisions {
            match d {
                Decision::Offer { call, agent, dial_at } => {
                    self.offer(now, call, agent, dial_at, &mut out)?
                }
                Decision::Queued { call, position, estimated_wait_ms } => {
                    out.push(Action::Queued { call, position, estimated_wait_ms });
                }
                Decision::Scheduled { call, due } => {
                    let due_unix = self.unix_time(due);
                    out.push(Action::Scheduled { call, due_unix });
                }
                Decision::AgentAway { agent } => out.push(Action::AgentAway { agent }),
                Decision::Abandoned { call, reason } => {
                    self.finish(call)?;
                    out.push(Action::Abandoned { call, reason });
                }
            }
        }
        Ok(out)
    }

    fn offer(
        &mut self,
        now: Instant,
        call: CallId,
        agent: String,
        dial_at: Instant,
        out: &mut Vec<Action>,
    ) -> Result<(), BusinessError> {
        let Some(info) = self.calls.get(&call).cloned() else { return Ok(()) };
        let number = self.reps.get(&agent).and_then(Representative::contact).map(|c| c.address());
        let Some(number) = number else {
            // validate() makes every representative reachable; be safe anyway.
            let d = self.acd.unreached(now, call, Unreached::NoAnswer)?;
            out.extend(self.act(now, d)?);
            return Ok(());
        };
        let (request_id, message) = match info.request.filter(|_| info.on_hold) {
            // The customer is still on hold in the network: name the next one there.
            Some(r) => (r, OsnMessage::NextRepresentative { call_id: r, representative: number }),
            None => {
                let r = self.counters.next_request;
                self.counters.next_request += 1;
                self.save_counters()?;
                (r, call_instruction(&self.cfg, r, &info.customer, &number, None))
            }
        };
        let customer = self.customer(&info.customer)?.unwrap_or_else(|| Customer::new(info.customer.clone()));
        let pop = ScreenPop {
            call,
            agent: agent.clone(),
            customer,
            page: info.page.clone(),
            note: info.note.clone(),
        };
        self.store.delete(T_CALLBACKS, &key(call.0))?;
        self.requests.insert(request_id, call);
        if let Some(info) = self.calls.get_mut(&call) {
            info.agent = Some(agent.clone());
            info.request = Some(request_id);
            info.calling_rep = false;
            info.on_hold = false;
            if dial_at > now {
                info.held = Some((dial_at, message));
            } else {
                out.push(Action::Instruction { call, agent, message });
            }
        }
        out.push(Action::ScreenPop { pop });
        Ok(())
    }
}

impl CallInfo {
    fn new(customer: String, page: PageContext, note: String) -> Self {
        CallInfo {
            customer,
            page,
            note,
            agent: None,
            request: None,
            calling_rep: false,
            answered: false,
            finished: false,
            held: None,
            on_hold: false,
        }
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
